sleep 0.2
rmmod session_rmmod
sleep 5
