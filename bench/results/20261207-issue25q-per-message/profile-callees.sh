d=/tmp/wt25h/s3
for who in "pace 24881" "pace 24880" "floor 25126" "floor 25125"; do set -- $who
  for s in sock_def_readable tcp_data_queue asm_sysvec_call_function_single; do
    echo "######## $1 pid $2 $s"; python3 ../20261207-issue25h-tick/callees.py $d/prof-$1.data $2 $s
  done
done
