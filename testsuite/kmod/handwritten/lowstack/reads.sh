i=0
while [ $i -lt 300 ]; do read x < reads.sh; i=$((i+1)); done
sleep 10
