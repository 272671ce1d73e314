import sys, collections, subprocess
data, pids = sys.argv[1], set(sys.argv[2].split(','))
keys = ["io_send","io_recv","io_poll_add","net_rps_send_ipi","handle_softirqs","tcp_v4_rcv","__getrusage","getrusage",
        "do_sys_poll","task_work_run","io_uring_enter","__do_sys_io_uring_enter","clock_nanosleep","ksys_read",
        "io_eventfd_signal","eventfd_signal_mask","process_backlog","tcp_ack","__tcp_send_ack","tcp_rcv_established","schedule",
        "malloc","free","cfree","flow_beat","reap_ring","publish","meter","pvm_write_msr","pvm_irq_enable","asm_sysvec_call_function_single","sysvec_apic_timer_interrupt","tcp_data_queue","sock_def_readable","io_poll_wake","__io_req_task_work_add","io_req_local_work_add","io_req_normal_work_add","ttwu","try_to_wake_up"]
out = subprocess.run(["perf","script","-i",data,"-F","pid,ip,sym"],capture_output=True,text=True).stdout
tot=collections.Counter(); hit=collections.defaultdict(collections.Counter); leaf=collections.defaultdict(collections.Counter)
cur=None; syms=[]
def flush():
    if cur and cur in pids:
        tot[cur]+=1
        s=set(syms)
        for k in keys:
            if k in s: hit[cur][k]+=1
        if syms: leaf[cur][syms[0]]+=1
for line in out.splitlines():
    if not line.strip():
        flush(); cur=None; syms=[]; continue
    if not line.startswith('\t'):
        cur=line.split()[0] if line.split() else None; syms=[]; continue
    p=line.split()
    if len(p)>=2: syms.append(p[1].split('+')[0])
flush()
for p in sorted(pids):
    print("pid",p,"samples",tot[p])
    for k,v in sorted(hit[p].items(), key=lambda x:-x[1]): print("   %-36s %5d %5.1f%%"%(k,v,100*v/max(tot[p],1)))
