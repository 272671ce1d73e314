import sys, collections, subprocess
# tstacks.py DATA PID T0 T1 : key-symbol hits for PID's samples between T0 and T1 s after the first sample
data, pid, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
keys = ["io_send","io_recv","net_rps_send_ipi","handle_softirqs","process_backlog","tcp_v4_rcv","pvm_write_msr","pvm_irq_enable",
        "asm_sysvec_call_function_single","sock_def_readable","tcp_ack","__tcp_send_ack","tcp_rcv_established","task_work_run","do_sys_poll","schedule","try_to_wake_up","io_submit_sqes","__io_uring_enter","io_uring_enter","tcp_sendmsg","__local_bh_enable_ip","release_sock","__release_sock","tcp_data_queue","sock_sendmsg","__dev_queue_xmit"]
out = subprocess.run(["perf","script","-i",data,"-F","pid,time,ip,sym"],capture_output=True,text=True).stdout
tot=0; hit=collections.Counter(); first=None; leaf=collections.Counter()
for block in out.split("\n\n"):
    ls=block.splitlines()
    if not ls: continue
    h=ls[0].replace(':',' ').split()
    if len(h)<2: continue
    t=float(h[1])
    if first is None: first=t
    if h[0]!=pid or not (t0 <= t-first < t1): continue
    syms=[l.split()[1].split('+')[0] for l in ls[1:] if len(l.split())>=2]
    tot+=1
    for k in set(syms):
        if k in keys: hit[k]+=1
    if syms: leaf[syms[0]]+=1
print("pid",pid,"t",t0,t1,"samples",tot)
for k,v in hit.most_common(): print("   %-34s %5d %5.1f%%"%(k,v,100*v/tot))
print("  leaf:", leaf.most_common(6))
