import sys, subprocess, collections
data, srv, gen = sys.argv[1], sys.argv[2], sys.argv[3]
out = subprocess.run(["perf","script","-i",data,"-F","pid,cpu,time"],capture_output=True,text=True).stdout
b=collections.defaultdict(collections.Counter); t0=None
for l in out.splitlines():
    p=l.replace('[',' ').replace(']',' ').replace(':',' ').split()
    if len(p)<3: continue
    pid,cpu,t=p[0],str(int(p[1])),float(p[2])
    if t0 is None: t0=t
    k=int((t-t0)/0.5)
    who={srv:'S',gen:'G','0':'i'}.get(pid,'o')
    b[k][cpu+who]+=1
for k in sorted(b):
    c=b[k]; print("%4.1fs cpu0: S%4d G%4d idle%4d | cpu1: S%4d G%4d idle%4d"%(k*0.5,c['0S'],c['0G'],c['0i'],c['1S'],c['1G'],c['1i']))
