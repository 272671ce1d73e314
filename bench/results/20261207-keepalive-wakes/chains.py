import sys,subprocess,collections
# usage: chains.py DATA PID SYM [depth]
data,pid,sym=sys.argv[1:4]; depth=int(sys.argv[4]) if len(sys.argv)>4 else 6
out=subprocess.run(["perf","script","-i",data,"--pid",pid,"-F","ip,sym"],capture_output=True,text=True).stdout
c=collections.Counter()
for blk in out.split("\n\n"):
    fr=[l.split(None,1)[1] if len(l.split(None,1))>1 else "?" for l in blk.strip().split("\n") if l.strip()]
    if fr and fr[0]==sym: c[" <- ".join(fr[1:depth])]+=1
for k,v in c.most_common(8): print(v,k)
