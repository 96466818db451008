#!/usr/bin/env python3
"""Turn bench/results/latest.json into the chart's data file and docs/bench.md.

  report.py --json latest.json --chart-data chart.dat --doc docs/bench.md

The document quotes ratios (peer time / pgboot time, per pair of runs), not
absolute times, except where a target is absolute (readiness, sizes).
"""
import argparse
import json
import os

PEERS = ["dbmate", "psql", "node-pg-migrate", "sqitch"]
PEER_LABEL = {"dbmate": "dbmate", "psql": "psql loop", "node-pg-migrate": "node-pg-migrate", "sqitch": "sqitch"}


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d or d[k] is None:
            return None
        d = d[k]
    return d


def paired(a, b):
    """median of a[i]/b[i]"""
    rs = sorted(x / y for x, y in zip(a or [], b or []) if x is not None and y)
    if not rs:
        return None
    n = len(rs)
    med = rs[n // 2] if n % 2 else (rs[n // 2 - 1] + rs[n // 2]) / 2
    return {"median": med, "min": rs[0], "max": rs[-1], "n": n}


def fmt_ratio(s, spread=True):
    if not s:
        return "–"
    m = s["median"]
    txt = f"{m:.1f}×" if m < 100 else f"{m:.0f}×"
    if spread and s.get("p10") is not None:
        txt += f" ({s['p10']:.1f}–{s['p90']:.1f})"
    elif spread and s.get("min") is not None:
        txt += f" ({s['min']:.1f}–{s['max']:.1f})"
    return txt


def rows(res):
    """(key, label, ratios-dict) of the chart's scenarios"""
    sc = res["scenarios"]
    out = []
    if "uptodate" in sc:
        out.append(("uptodate", f"up-to-date start ({sc['uptodate']['migrations']} applied)", sc["uptodate"]["ratio_vs_pgboot"]))
    if "fresh" in sc:
        out.append(("fresh", f"fresh apply, {sc['fresh']['migrations']} migrations", sc["fresh"]["ratio_vs_pgboot"]))
    if "fresh_morse" in sc:
        out.append(("fresh_morse", "fresh apply, MORSE", sc["fresh_morse"]["ratio_vs_pgboot"]))
    if "readiness" in sc:
        out.append(("readiness", "readiness delay", sc["readiness"]["ratio_vs_pgboot"]))
    if "rollback" in sc:
        out.append(("rollback", f"rollback, {sc['rollback']['migrations']} migrations", sc["rollback"]["ratio_vs_pgboot"]))
    lat = sc.get("latency")
    if lat:
        away = f"{2 * lat['delay_ms_each_way']:g} ms away"
        if "fresh" in lat:
            out.append(("latency_fresh", f"fresh apply, {lat['migrations']} migrations, {away}",
                        lat["fresh"]["ratio_vs_pgboot"]))
        if "uptodate" in lat:
            out.append(("latency_uptodate", f"up-to-date start ({lat['migrations']} applied), {away}",
                        {k: v for k, v in lat["uptodate"]["ratio_vs_pgboot"].items() if k in PEERS}))
    st = sc.get("stampede", {})
    for key in sorted(st, key=lambda k: (st[k]["state"] != "uptodate", st[k]["n"])):
        if st[key]["n"] == 1:
            continue
        label = f"stampede ×{st[key]['n']}, {'up-to-date' if st[key]['state'] == 'uptodate' else 'empty'}"
        out.append((key, label, st[key]["ratio_vs_pgboot"]))
    return out


def chart_data(res, path):
    with open(path, "w") as f:
        f.write("# scenario " + " ".join(PEER_LABEL[p].replace(" ", "_") for p in PEERS) + "\n")
        for _, label, r in rows(res):
            vals = []
            for p in PEERS:
                v = get(r, p, "median")
                vals.append(f"{v:.3f}" if v else "NaN")
            f.write(f"\"{label}\" " + " ".join(vals) + "\n")


def targets(res):
    sc = res["scenarios"]
    t = []
    up = sc.get("uptodate")
    if up:
        runs = up["runs_ms"]
        # each build against dbmate and against its own floor (the same binary's connect + one query)
        for tool, floor, label in (("pgboot", "floor", "dynamic"), ("pgboot-static", "floor-static", "static")):
            if not runs.get(tool):
                continue
            r = paired(runs.get("dbmate"), runs.get(tool))
            if r:
                t.append((f"Up-to-date start ≥ 2.5× faster than dbmate ({label} build)",
                          f"{r['median']:.2f}× (min {r['min']:.2f})", r["median"] >= 2.5))
            f = paired(runs.get(tool), runs.get(floor))
            if f:
                t.append((f"Up-to-date start within 1.3× of the floor ({label} build: its own connect + one query)",
                          f"{f['median']:.2f}× the floor", f["median"] <= 1.3))
            # judged by pgboot's own CPU: the lint would add parsing, and on a shared machine the wall time
            # is mostly the wait for a core (the paired wall ratio is shown beside it)
            off = paired(runs.get(tool), runs.get(tool + " --lint off"))
            ca, cb = get(up, "summary_cpu_ms", tool, "median"), get(up, "summary_cpu_ms", tool + " --lint off", "median")
            if off and ca and cb:
                t.append((f"Up-to-date start unchanged by the lint ({label} build: default `--lint warn` ÷ `--lint off`, "
                          "client CPU within 5%)",
                          f"CPU {ca:.1f} ms against {cb:.1f} ms ({ca / cb:.3f}×); wall {off['median']:.3f}× per pair "
                          f"({get(up, 'summary_ms', tool, 'median'):.1f} ms against "
                          f"{get(up, 'summary_ms', tool + ' --lint off', 'median'):.1f} ms)", ca / cb <= 1.05))
    rt = sc.get("roundtrips", {}).get("pgboot")
    if rt:
        t.append(("Fresh apply: one round trip per transactional migration",
                  f"{rt['per_migration']:.2f} per migration (server side), plus {rt['fixed']:.0f} fixed per run",
                  abs(rt["per_migration"] - 1) < 0.05))
    fr = sc.get("fresh")
    if fr:
        for p in ("dbmate", "psql"):
            r = get(fr, "ratio_vs_pgboot", p)
            if r:
                t.append((f"Fresh apply of {fr['migrations']}: ≥ 2× faster than {PEER_LABEL[p]}",
                          f"{r['median']:.2f}×", r["median"] >= 2))
    lf = get(sc, "latency", "fresh")
    if lf:
        r = get(lf, "ratio_vs_pgboot", "dbmate")
        if r:
            away = 2 * sc["latency"]["delay_ms_each_way"]
            t.append((f"Fresh apply of {sc['latency']['migrations']}, a database {away:g} ms away: ≥ 4× faster than dbmate",
                      f"{r['median']:.2f}×", r["median"] >= 4))
    rd = sc.get("readiness")
    if rd:
        s = get(rd, "summary_ms", "pgboot")
        if s:
            t.append(("Readiness: app within 60 ms (median) of the server accepting connections",
                      f"{s['median']:.0f} ms (p10 {s['p10']:.0f}, p90 {s['p90']:.0f})", s["median"] <= 60))
    size = sc.get("size")
    if size:
        b = size["stripped_bytes"].get("pgboot (static)")
        if b:
            t.append(("Static binary ≤ 5 MB stripped (with the PostgreSQL parser)", f"{b / 1e6:.2f} MB ({b} bytes)", b <= 5e6))
        else:
            t.append(("Static binary ≤ 5 MB stripped (with the PostgreSQL parser)", "static binary not built", None))
        rss = size["peak_rss_kb"]
        k = "pgboot-static +verify +seeds" if rss.get("pgboot-static +verify +seeds") else "pgboot +verify +seeds"
        if rss.get(k):
            t.append(("Peak RSS < 4 MB for the MORSE run", f"{rss[k] / 1024:.1f} MiB ({k.replace(' +verify +seeds', '')}, "
                      f"migrations + seeds + 56 checks)", rss[k] < 4 * 1024))
    rw = sc.get("rows")
    if rw:
        for tool, label in (("pgboot-static", "static"), ("pgboot", "dynamic")):
            kb = rw["peak_rss_kb"].get(tool)
            if not kb or None in kb.values():
                continue
            worst = max(kb.values())
            t.append((f"Peak RSS < 8 MB with {rw['rows']['migration']:,} rows from a migration and "
                      f"{rw['rows']['check']:,} from a check ({label} build)",
                      f"{kb['migration'] / 1024:.1f} MiB and {kb['check'] / 1024:.1f} MiB",
                      worst < 8 * 1024 if tool == "pgboot-static" else None))
            break
    st = sc.get("stampede", {})
    one, many = st.get("uptodate_1"), st.get("uptodate_64")
    if one and many:
        for tool, label in (("pgboot", "dynamic"), ("pgboot-static", "static")):
            a = get(many, "summary_ms", tool, "median")
            b = get(one, "summary_ms", tool, "median")
            if a and b:
                t.append((f"Stampede: 64 on an up-to-date database within 1.5× the time of one ({label} build)",
                          f"{a / b:.2f}× ({b:.0f} ms → {a:.0f} ms)", a / b <= 1.5))
    return t


def lint_section(sc, w):
    """### Lint: pgboot lint over MORSE's files, the preflight lint's cost in a fresh apply, the corpus"""
    li = sc.get("lint")
    if not li:
        return
    builds = [(t, lbl) for t, lbl in (("pgboot-static", "static"), ("pgboot", "dynamic"))
              if get(li, "offline", "summary_ms", t)]

    def ms(x, cpu=None):
        if x is None:
            return "–"
        return f"{x:.1f} ms" + (f" (CPU {cpu:.1f} ms)" if cpu is not None else "")
    w("### Lint\n")
    w(f"`pgboot lint` over MORSE's {li['files']} migration files (PostgreSQL's parser, libpg_query, on every")
    w("statement; each rule asked), median per run of the whole process; and the preflight lint's cost in a fresh")
    w("MORSE apply (`pgboot migrate --no-verify`, a new database each run): `--lint warn` (the default) against")
    w("`--lint off`, the difference taken per pair of runs. CPU: pgboot's own (user + system), the part the lint")
    w("adds to; the wall time also holds the server's.\n")
    w("| run | " + " | ".join(lbl for _, lbl in builds) + " |")
    w("|---|" + "---|" * len(builds))
    oj = get(li, "offline", "json", "counts") or {}
    nj = get(li, "online_empty", "json", "counts") or {}
    w("| `pgboot lint --offline migrations/*.sql` | " +
      " | ".join(ms(get(li, "offline", "summary_ms", t, "median"), get(li, "offline", "summary_cpu_ms", t, "median"))
                 for t, _ in builds) + " |")
    w("| `pgboot lint`, empty database (all pending, one sizing query) | " +
      " | ".join(ms(get(li, "online_empty", "summary_ms", t, "median"),
                    get(li, "online_empty", "summary_cpu_ms", t, "median")) for t, _ in builds) + " |")
    ap = li.get("fresh_apply")
    if ap:
        w("| fresh MORSE apply, `--lint off` | " +
          " | ".join(ms(get(ap, "summary_ms", f"{t} --lint off", "median")) for t, _ in builds) + " |")
        w("| fresh MORSE apply, `--lint warn` | " +
          " | ".join(ms(get(ap, "summary_ms", f"{t} --lint warn", "median")) for t, _ in builds) + " |")
        cells = []
        for t, _ in builds:
            c, r, cc = get(ap, "lint_cost_ms", t), get(ap, "warn_over_off", t), get(ap, "lint_cost_cpu_ms", t)
            cells.append(f"{c['median']:+.1f} ms ({r['median']:.3f}×)" + (f", CPU {cc['median']:+.1f} ms" if cc else "")
                         if c and r else "–")
        w("| the lint's cost in the fresh apply (warn − off, per pair) | " + " | ".join(cells) + " |")
    rc = li.get("regress_corpus")
    if rc:
        cells = []
        for t, _ in builds:
            m, ps = get(rc, "summary_ms", t, "median"), get(rc, "per_s", t)
            cells.append(f"{m:.0f} ms: {ps['files']:.0f} files/s, {ps['statements']:,} statements/s" if m and ps else "–")
        w(f"| PostgreSQL's regression SQL, `--offline` ({rc['files']} files, {rc['statements']:,} statements) | " +
          " | ".join(cells) + " |")
    w("")
    if oj or nj:
        def counts(c):
            return f"{c.get('error', 0)} errors, {c.get('warning', 0)} warnings, {c.get('info', 0)} info"
        only_info = nj and not nj.get("error") and not nj.get("warning")
        w(f"Findings on MORSE: {counts(oj)} offline; {counts(nj)} online against the empty database" +
          (" (every table is created by a pending migration: info)." if only_info else "."))
    after = get(li, "online_empty", "relations_after")
    if after is not None:
        w(f"The online lint left {after} relations in the empty database" + (" (it changes nothing)." if after == 0 else
                                                                              ": it should change nothing."))
    w("")


def doc(res, path):
    m = res["meta"]
    mc = m["machine"]
    sc = res["scenarios"]
    L = []
    w = L.append
    w("## Benchmark\n")
    w("`make bench` installs the peers, starts its own PostgreSQL and runs every scenario for pgboot and each")
    w("peer, alternating runs. Ratios are **peer time ÷ pgboot time** per pair of runs (same repetition): the")
    w("median, then p10–p90 in brackets. Above 1× pgboot is faster.\n")
    w("![pgboot against its peers: peer time ÷ pgboot time, log scale](../bench/results/chart.svg)\n")
    w("| scenario | " + " | ".join(PEER_LABEL[p] for p in PEERS) + " |")
    w("|---|" + "---|" * len(PEERS))
    for _, label, r in rows(res):
        w(f"| {label} | " + " | ".join(fmt_ratio(r.get(p)) for p in PEERS) + " |")
    w("")
    w("Every tool uses the same URL: TCP to 127.0.0.1, `scram-sha-256` password authentication, `sslmode=disable`.")
    w("pgboot is the static binary that ships (`build/static/pgboot`; the dynamic build when it is not built)")
    w("and runs `pgboot run -- true`; a peer runs its migrate command, then `true`. dbmate runs with `--wait`")
    w("and `--no-dump-schema`; the psql loop is [bench/peers/psql-migrate.sh](../bench/peers/psql-migrate.sh)")
    w(f"(`pg_isready` every {sc.get('readiness', {}).get('psql_wait_interval_s', '1')} s, then `psql -1 -f` per pending file"
      " and its history row); node-pg-migrate runs `up` on `.sql` files (one transaction for the batch,")
    w("its default); sqitch deploys scripts that hold their own `BEGIN`/`COMMIT`. No tool applies seeds here:")
    w("pgboot's `--with-test-data` is measured only for its peak RSS. node-pg-migrate and sqitch have no wait for a")
    w("server, so they are left out of the readiness scenario, and sqitch (a perl process and a psql per change) out")
    w("of the stampede.\n")

    w("### Targets\n")
    w("| target | measured | |")
    w("|---|---|---|")
    for name, val, ok in targets(res):
        w(f"| {name} | {val} | {'met' if ok else ('not met' if ok is not None else '–')} |")
    w("")

    up = sc.get("uptodate")
    if up:
        w("### Up-to-date start against the floor\n")
        w("The floor is the same binary's bare connect plus one query (`pgboot wait`), with the same URL and")
        w("authentication. Ratios per pair of runs (median, min–max), and the medians:\n")
        w("| run | ÷ its floor | median |")
        w("|---|---|---|")
        R = up["runs_ms"]
        for name, ref in [("pgboot-static", "floor-static"), ("pgboot-static socket", "floor-static socket"),
                          ("floor-static", "floor"), ("pgboot", "floor"), ("pgboot --no-verify", "floor"),
                          ("pgboot socket", "floor socket"), ("floor socket", "floor"),
                          ("pgboot", "pgboot --lint off"), ("pgboot-static", "pgboot-static --lint off"),
                          ("psql -c 'SELECT 1'", "floor")]:
            if name in R and ref in R:
                med = get(up, "summary_ms", name, "median")
                # the lint's rows: a ratio near 1, to three places, and the client CPU of both
                if ref.endswith("--lint off"):
                    p = paired(R[name], R[ref])
                    cpu = (get(up, "summary_cpu_ms", name, "median"), get(up, "summary_cpu_ms", ref, "median"))
                    w(f"| {name} (`--lint warn`, the default) ÷ {ref} | {p['median']:.3f}× ({p['min']:.2f}–{p['max']:.2f}) | "
                      f"{med:.1f} ms against {get(up, 'summary_ms', ref, 'median'):.1f} ms; client CPU "
                      f"{cpu[0]:.1f} ms against {cpu[1]:.1f} ms |")
                    continue
                w(f"| {name} ÷ {ref} | {fmt_ratio(paired(R[name], R[ref]))} | {med:.1f} ms |")
        fs = get(up, "summary_ms", "floor", "median")
        fso = get(up, "summary_ms", "floor socket", "median")
        fcpu = get(up, "summary_cpu_ms", "floor", "median")
        fcpus = get(up, "summary_cpu_ms", "floor socket", "median")
        if fs and fso:
            w("")
            w(f"Authentication: the floor over TCP with SCRAM takes {fs / fso:.1f}× the floor over the Unix socket with")
            w(f"`trust` ({fs - fso:.1f} ms more, of which {fcpu - fcpus:.1f} ms of client CPU: libpq's 4096 PBKDF2-HMAC-SHA-256")
            w("iterations in Debian's libpq). See 'Where the time goes' below for the static build's.")
        w("")

    lint_section(sc, w)

    rt = sc.get("roundtrips")
    if rt:
        w("### Round trips, counted in front of the server\n")
        w(f"[bench/rtproxy.py](../bench/rtproxy.py) counts the messages the server receives: the startup packet,")
        w("authentication messages, and each Query or Sync (each answered by ReadyForQuery). Per migration is the")
        w(f"slope between a fresh apply of {rt['migrations']} and of {2 * rt['migrations']} small migrations.\n")
        w("| tool | per migration | connections per migration | fixed per run | up-to-date run |")
        w("|---|---|---|---|---|")
        for tool in ["pgboot"] + PEERS:
            r = rt.get(tool)
            if r:
                w(f"| {PEER_LABEL.get(tool, tool)} | {r['per_migration']:.2f} | {r['connections_per_migration']:.2f} | "
                  f"{r['fixed']:.0f} | {r['uptodate_round_trips']} |")
        extra = [(k, v) for k, v in rt.items() if k.startswith(("floor", "pgboot "))]
        if extra:
            w("")
            w("| pgboot run | round trips (of which authentication) |")
            w("|---|---|")
            for k, v in extra:
                w(f"| {k} | {v['round_trips']} ({v['auth_round_trips']}) |")
        w("")

    rb, lat = sc.get("rollback"), sc.get("latency")
    if rb or lat:
        away = f"{2 * lat['delay_ms_each_way']:g} ms" if lat else ""
        w("### " + " and ".join(x for x in ("Rolling back" if rb else "", f"a database {away} away" if lat else "") if x)
          .capitalize() + "\n")
        if rb:
            w(f"Rollback: {rb['migrations']} migrations, each a table and a row with a down part that drops it, applied")
            w("by each tool (untimed) before every run, then all rolled back: `pgboot rollback --all --confirm` against")
            w("a shell loop of `dbmate rollback` (dbmate rolls back one migration per invocation and has no count; the")
            w("loop runs without `--wait`). Afterwards no history row and no table may be left.")
        if rb and lat:
            w("")
        if lat:
            w(f"A database {away} away: every connection goes through [bench/rtproxy.py](../bench/rtproxy.py),")
            w(f"which forwards each chunk {lat['delay_ms_each_way']:g} ms after it arrived, both ways; a fresh apply of")
            w(f"{lat['migrations']} small migrations (a new database each run), then the up-to-date start on the databases that")
            w("leaves, and the floor (`pgboot wait`: connect and one query) through the same proxy.")
            rtt = lat.get("proxy_rtt_ms")
            if rtt:
                w(f"A round trip through the proxy measured {rtt['median']:.2f} ms (median; p90 {rtt['p90']:.2f}) on this machine,")
                w("pinging a loopback echo server.")
        w("")
        w("| run | pgboot, median | dbmate, median | dbmate ÷ pgboot |")
        w("|---|---|---|---|")

        def line(label, res, base_floor=None):
            base = "pgboot-static" if get(res, "summary_ms", "pgboot-static") else "pgboot"
            a = get(res, "summary_ms", base, "median")
            b = get(res, "summary_ms", "dbmate", "median")
            unit = (lambda x: f"{x / 1000:.2f} s") if (b or a or 0) >= 1000 else (lambda x: f"{x:.1f} ms")
            w(f"| {label} | {unit(a) if a else '–'} | {unit(b) if b else '–'} | "
              f"{fmt_ratio(get(res, 'ratio_vs_pgboot', 'dbmate'))} |")
        if rb:
            line(f"rollback of {rb['migrations']}", rb)
            bad = {t: x for t, xs in rb.get("left_after", {}).items() for x in xs if x["history_rows"] or x["tables"]}
            if bad:
                w(f"| left behind | {'; '.join(f'{PEER_LABEL.get(t, t)}: {x}' for t, x in bad.items())} | | |")
        if lat:
            away = f"{2 * lat['delay_ms_each_way']:g} ms away"
            if "fresh" in lat:
                line(f"fresh apply of {lat['migrations']}, {away}", lat["fresh"])
            if "uptodate" in lat:
                line(f"up-to-date start, {away}", lat["uptodate"])
                fl = get(lat, "uptodate", "summary_ms", "floor", "median")
                if fl:
                    w(f"| the floor, {away} | {fl:.1f} ms | | |")
        w("")

    st = sc.get("stampede")
    if st:
        w("### Stampede\n")
        w("N processes started at once; time until the last one exits, as a ratio to pgboot's. An empty database")
        w("gets the MORSE project; afterwards each history table must hold exactly its 12 rows (and for pgboot")
        w("`pgboot verify` with the 56 checks must pass).\n")
        w("| run | " + " | ".join(["pgboot ÷ pgboot ×1"] + [PEER_LABEL[p] for p in PEERS if p != "sqitch"]) +
          " | failed processes / correct history |")
        w("|---|" + "---|" * (len(PEERS) + 1))
        base = get(st, "uptodate_1", "summary_ms", "pgboot", "median")
        base_e = get(st, "empty_1", "summary_ms", "pgboot", "median")
        for key in sorted(st, key=lambda k: (st[k]["state"] != "uptodate", st[k]["n"])):
            s = st[key]
            b = base if s["state"] == "uptodate" else base_e
            me = get(s, "summary_ms", "pgboot", "median")
            cells = [f"{me / b:.2f}×" if me and b else "–"]
            for p in PEERS:
                if p == "sqitch":
                    continue
                cells.append(fmt_ratio(get(s, "ratio_vs_pgboot", p), spread=False) if s["n"] > 1 or p else "–")
            notes = []
            for tool, fl in s["failed_processes"].items():
                c = ""
                if s.get("correctness"):
                    oks = [x["ok"] for x in s["correctness"][tool]]
                    c = f", history {'ok' if all(oks) else 'WRONG'} {sum(oks)}/{len(oks)}"
                if sum(fl) or c:
                    notes.append(f"{PEER_LABEL.get(tool, tool)}: {max(fl)}/{s['n']} failed{c}")
            w(f"| ×{s['n']}, {'up-to-date' if s['state'] == 'uptodate' else 'empty'} | " + " | ".join(cells) +
              f" | {'; '.join(notes) if notes else 'none failed'} |")
        w("")

    size = sc.get("size")
    if size:
        w("### Size and memory\n")
        w("| | stripped size | peak RSS, fresh MORSE run |")
        w("|---|---|---|")
        rss = size["peak_rss_kb"]
        for label, key, rk in (("pgboot, static (musl)", "pgboot (static)", "pgboot-static"),
                               ("pgboot, dynamic", "pgboot (dynamic)", "pgboot"),
                               ("dbmate (Go)", "dbmate", "dbmate"),
                               ("node-pg-migrate (node_modules)", "node-pg-migrate", "node-pg-migrate"),
                               ("psql loop (psql)", "psql", "psql"), ("sqitch", None, "sqitch")):
            b = size["stripped_bytes"].get(key) if key else None
            r = rss.get(rk)
            r2 = rss.get(rk + " +verify +seeds")
            rtxt = f"{r / 1024:.1f} MiB" if r else "–"
            if r2:
                rtxt += f" ({r2 / 1024:.1f} MiB with seeds and 56 checks)"
            w(f"| {label} | {b / 1e6:.2f} MB | {rtxt} |" if b else f"| {label} | – | {rtxt} |")
        w("")
        w("The dynamic build's RSS counts the pages of libssl, libcrypto and libc it maps; the static one maps")
        w("only what it uses.\n")
    rw = sc.get("rows")
    if rw:
        w(f"Peak RSS when the server returns many rows (rows stream in one at a time and are dropped; a check")
        w(f"keeps its first five and counts the rest):\n")
        w(f"| | a migration returning {rw['rows']['migration']:,} rows | a check with {rw['rows']['check']:,} violations |")
        w("|---|---|---|")
        for tool, label in (("pgboot-static", "pgboot, static (musl)"), ("pgboot", "pgboot, dynamic")):
            kb = rw["peak_rss_kb"].get(tool)
            if kb:
                cell = [f"{kb[c] / 1024:.1f} MiB" if kb.get(c) else "failed" for c in ("migration", "check")]
                w(f"| {label} | {cell[0]} | {cell[1]} |")
        w("")

    w("### Machine\n")
    w(f"{mc['nproc']} CPUs ({mc['cpu']}), {mc.get('mem_mb', '?')} MB, {mc.get('os', '')}, Linux {mc['kernel']},")
    w(f"PostgreSQL {mc['postgresql']} on the same machine (`fsync=off`: the apply scenarios measure the tools, not")
    w(f"the disk). Load average {mc['loadavg_start'][0]:.1f} at the start (the bench waits up to two minutes for it")
    w(f"to fall below the number of CPUs) and {m.get('loadavg_end', [0])[0]:.1f} at the end, most of it the stampedes' own")
    w("processes. On a small VM spreads are wide: the medians of paired ratios are the figures to quote.")
    v = m["versions"]
    w("Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".")
    w(f"Run {m['started']}, {m.get('duration_s', 0) / 60:.1f} minutes; the raw runs are in")
    w("[bench/results/latest.json](../bench/results/latest.json).\n")
    w("Run it again, longer: `PGBOOT_BENCH_REPS=50 PGBOOT_BENCH_APPLY_REPS=10 make bench` (every size is an")
    w("environment variable, listed at the top of [scripts/bench.sh](../scripts/bench.sh)).")
    findings = m.get("findings")
    if findings:
        w("")
        w(findings.strip())
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--chart-data", required=True)
    ap.add_argument("--doc", required=True)
    a = ap.parse_args()
    res = json.load(open(a.json))
    # the analysis of where pgboot loses (written by hand, kept in bench/findings.md)
    findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
    if os.path.exists(findings):
        res["meta"]["findings"] = open(findings, encoding="utf-8").read()
    chart_data(res, a.chart_data)
    doc(res, a.doc)


if __name__ == "__main__":
    main()
