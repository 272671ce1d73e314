import sys, collections, subprocess
# chain.py DATA PID SYM DEPTH: the callers above SYM (DEPTH frames) in PID's samples
data, pid, sym, depth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = subprocess.run(["perf","script","-i",data,"-F","pid,ip,sym","--pid",pid],capture_output=True,text=True).stdout
c=collections.Counter(); tot=0
for block in out.split("\n\n"):
    lines=[l.split() for l in block.splitlines()[1:] if l.strip()]
    syms=[p[1].split('+')[0] for p in lines if len(p)>=2]
    if not syms: continue
    tot+=1
    if sym in syms:
        i=syms.index(sym)
        c[" < ".join(syms[i:i+depth])]+=1
print("samples",tot)
for k,v in c.most_common(15): print("%5d %s"%(v,k))
