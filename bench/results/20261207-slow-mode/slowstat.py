import sys
# per-interval per-CPU shares: user+nice, system, softirq, idle, steal from consecutive samples
for f in sys.argv[1:]:
    rows=[l.split() for l in open(f) if l.strip()]
    prev=None; out=[]
    for r in rows:
        t=float(r[0]); c0=list(map(int,r[2:12])); c1=list(map(int,r[13:23]))
        if prev:
            pt,p0,p1=prev
            d=[]
            for a,b in ((c0,p0),(c1,p1)):
                dd=[x-y for x,y in zip(a,b)]; tot=sum(dd) or 1
                # user nice system idle iowait irq softirq steal
                d.append("u%2d s%2d si%2d id%2d st%2d"%(100*(dd[0]+dd[1])//tot,100*dd[2]//tot,100*dd[6]//tot,100*dd[3]//tot,100*dd[7]//tot))
            out.append(" | ".join(d))
        prev=(t,c0,c1)
    print(f); print("\n".join(out))
