sleep 0.2
kill -INT $PPID
sleep 10
