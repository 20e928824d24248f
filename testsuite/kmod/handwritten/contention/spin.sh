i=0
while [ $i -lt 5000 ]; do i=$((i+1)); done
