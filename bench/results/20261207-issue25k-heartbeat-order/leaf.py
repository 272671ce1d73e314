import sys, collections, subprocess
data, pid = sys.argv[1], sys.argv[2]
out = subprocess.run(["perf","script","-i",data,"-F","pid,ip,sym","--pid",pid],capture_output=True,text=True).stdout
c=collections.Counter(); tot=0
for block in out.split("\n\n"):
    lines=[l.split() for l in block.splitlines()[1:] if l.strip()]
    syms=[p[1].split('+')[0] for p in lines if len(p)>=2]
    if not syms: continue
    tot+=1; c[syms[0]]+=1
print("samples",tot)
for k,v in c.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 30): print("%5d %5.1f%% %s"%(v,100*v/tot,k))
