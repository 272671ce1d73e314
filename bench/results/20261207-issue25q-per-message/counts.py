import sys,collections
def rd(f, per):
    d=collections.defaultdict(dict)
    for l in open(f):
        if l.startswith('#') or l.count(',')<3: continue
        p=l.strip().split(',')
        if per: d[p[0]][p[3]]=int(p[1])
        else: d['all'][p[2]]=int(p[0])
    return d
runs=sys.argv[1:]; R={}
for run in runs:
    a=rd(run+'.all',False)['all']; t=rd(run+'.pt',True)
    ths=sorted(t.keys(), key=lambda k:int(k.rsplit('-',1)[1]))
    R[run]=(a,t[ths[0]],t[ths[1]])
print("per 1,000 messages; each run: server / generator / elsewhere (idle, kthreads)")
print("| event | " + " | ".join(runs) + " |"); print("|---"*(len(runs)+1)+"|")
for ev in R[runs[0]][0]:
    row=[]
    for run in runs:
        a,s,g=R[run]; m=a['sock:sk_data_ready']
        S=s.get(ev,0); G=g.get(ev,0); O=a[ev]-S-G
        row.append("%d / %d / %d"%(round(1e3*S/m),round(1e3*G/m),round(1e3*O/m)))
    print("| %s | %s |"%(ev.split(':')[1]," | ".join(row)))
