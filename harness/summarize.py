#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one 'make test' run into build/test-results.tsv and a summary line.

usage: summarize.py RESULTS_ROOT KSELFTEST_LIST KUNIT_LIST EXPECTED OUT_TSV
       summarize.py --write-expected RESULTS_TSV EXPECTED

RESULTS_ROOT holds one directory per VM boot (per profile of the list).
Environment: TEST_FILTER / KUNIT_FILTER (a partial run), EXPECT_SERIES (the
series hash the booted kernel must carry on its command line).

Rows are "suite<TAB>test<TAB>pass|fail|skip<TAB>reason":
  kunit:<suite>   <case>        one row per KUnit case (boot-time run)
  <coll>:<prog>   <subtest>     one row per TAP subtest of a listed kselftest,
                                or one row named after the program if it
                                prints no subtests
  kernel:<prof>   log|kmemleak|taint|dstate|modprobe|scan|identity
                                what the kernel log and state say went wrong
  vm:<prof>       run           the VM timed out or crashed
  list            <entry>       a bad entry in tests/kselftests.list
A test whose first run hit a documented flake and whose second run passed
is a pass whose reason starts with "after a rerun".  Every (suite, test) of
EXPECTED that the run selected must have a row, and every row of a test
must be in EXPECTED.  The last line printed is "N passed, N failed, N
skipped" ("N passed (M after a rerun), ..." when there were reruns).  The
exit status is non-zero on any failure and when no test ran.
"""
import os
import re
import sys

# A TAP result line; a directive (SKIP, TODO, XFAIL, TIMEOUT, or free text
# such as "exit status 1") follows " # ".
RESULT = re.compile(r'^(\s*)(not )?ok \d+ (.*?)(?:\s+#\s*(?:(SKIP|XFAIL|XPASS|TODO|TIMEOUT)\b)?\s*(.*))?\s*$',
                    re.IGNORECASE)
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
RERUN = 'rerun: '
KEYS = ('hugepages', 'flaky', 'skip_ok', 'env')


def tidy(s):
    return ' '.join(s.replace('\t', ' ').split())[:200]


class Entry:
    def __init__(self, profile, fields):
        self.profile = profile
        self.required = fields[0].startswith('+')
        self.name = fields[0].lstrip('+')
        self.settings = {}
        self.bad = None
        for f in fields[2:]:
            m = re.match(r'^([a-z_]+)=(\S*)$', f)
            if not m:
                break
            if m.group(1) not in KEYS:
                self.bad = 'unknown setting %r' % m.group(1)
            self.settings[m.group(1)] = m.group(2)


def read_list(path):
    """Entries of the kselftest list and its named signatures."""
    entries, sigs, profile = [], {'flake': {}, 'skip': {}}, None
    with open(path) as f:
        for line in f:
            if line.startswith('@'):
                kind, name, ere = (line[1:].rstrip('\n').split(None, 2) + ['', ''])[:3]
                sigs.setdefault(kind, {})[name] = ere
                continue
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            m = re.match(r'^\[([a-z0-9_-]+)\]', line)
            if m:
                profile = m.group(1)
                continue
            e = Entry(profile, line.split())
            for key, kind in (('flaky', 'flake'), ('skip_ok', 'skip')):
                v = e.settings.get(key)
                if v is not None and v not in sigs[kind]:
                    e.bad = 'unknown %s signature %r' % (kind, v)
            entries.append(e)
    return entries, sigs


def kunit_list(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                out.append(line.split()[0])
    return out


def status_of(neg, directive):
    d = (directive or '').upper()
    if d == 'SKIP':
        return 'skip'
    if neg or d in ('TIMEOUT', 'TODO', 'XFAIL', 'XPASS'):
        # No test of this project is expected to fail: TODO/XFAIL/XPASS
        # would hide a result.
        return 'fail'
    return 'pass'


def why_of(m):
    d = (m.group(4) or '').upper()
    return tidy(((d + ' ') if d and d != 'SKIP' else '') + (m.group(5) or ''))


def parse_kunit(rdir, rows, required):
    seen = set()
    kdir = os.path.join(rdir, 'kunit')
    if not os.path.isdir(kdir):
        return seen
    for fn in sorted(os.listdir(kdir)):
        suite = fn[:-len('.ktap')]
        seen.add(suite)
        lines = open(os.path.join(kdir, fn), errors='replace').read().splitlines()
        indent, start = None, 0
        for i, l in enumerate(lines):
            m = re.match(r'^(\s*)# Subtest: (\S+)', l)
            if m and m.group(2) == suite:
                indent, start = m.group(1), i + 1
                break
        plan, ncase = None, 0
        for l in lines[start:]:
            pm = PLAN.match(l)
            if pm and indent is not None and pm.group(1) == indent and plan is None:
                plan = int(pm.group(2))
                continue
            m = RESULT.match(l)
            if not m or indent is None or m.group(1) != indent:
                continue
            ncase += 1
            st, why = status_of(m.group(2), m.group(4)), why_of(m)
            if st == 'skip' and suite in required:
                # The config guarantees what the suite needs (as for '+').
                st, why = 'fail', 'required KUnit case skipped: ' + why
            rows.append(('kunit:' + suite, m.group(3), st, why if st != 'pass' else ''))
        if ncase == 0:
            rows.append(('kunit:' + suite, '(suite)', 'fail', 'no test case results in KTAP'))
        elif plan is not None and plan != ncase:
            rows.append(('kunit:' + suite, '(plan)', 'fail', 'planned %d cases, %d reported' % (plan, ncase)))
    return seen


def parse_kselftest(rdir, entries, sigs, rows):
    """Rows of one profile's kselftest.tap; returns the entry names with a result."""
    path = os.path.join(rdir, 'kselftest.tap')
    done = set()
    if not os.path.exists(path):
        return done
    by_name = {e.name: e for e in entries}
    block = []
    outer_plan = None
    nresults = 0
    for l in open(path, errors='replace').read().splitlines():
        if l.startswith('#'):
            block.append(l[2:] if l.startswith('# ') else l[1:])
            continue
        pm = PLAN.match(l)
        if pm and not pm.group(1):
            outer_plan = int(pm.group(2))
            continue
        m = RESULT.match(l)
        if not m or m.group(1):
            continue
        nresults += 1
        name = m.group(3)
        e = by_name.get(name)
        st, why = status_of(m.group(2), m.group(4)), why_of(m)
        rerun = st == 'pass' and why.startswith(RERUN)
        done.add(name)
        subs, plan = [], None
        for b in block:
            bp = PLAN.match(b)
            if bp and not bp.group(1) and plan is None:
                plan = int(bp.group(2))
                continue
            sm = RESULT.match(b)
            if sm and not sm.group(1):
                sst, swhy = status_of(sm.group(2), sm.group(4)), why_of(sm)
                if sst == 'skip' and e and e.required:
                    ok = e.settings.get('skip_ok')
                    if not ok or not re.search(sigs['skip'].get(ok, '(?!)'), swhy):
                        sst, swhy = 'fail', 'required suite skipped a subtest: ' + swhy
                if rerun and sst == 'pass':
                    sst, swhy = 'pass', 'after a ' + why
                subs.append((name, sm.group(3), sst, swhy if sst != 'pass' or rerun else ''))
        rows.extend(subs)
        prog = name.split(':', 1)[-1]
        if not subs:
            if st == 'skip' and e and e.required:
                st, why = 'fail', 'required test skipped: ' + why
            if rerun:
                why = 'after a ' + why
            rows.append((name, prog, st, why if st != 'pass' or rerun else ''))
        elif st == 'fail' and not any(s[2] == 'fail' for s in subs):
            rows.append((name, '(exit)', 'fail', why or 'program failed after its subtests'))
        elif st == 'skip' and e and e.required:
            rows.append((name, '(exit)', 'fail', 'required test skipped: ' + why))
        if plan is not None and subs and plan != len(subs):
            rows.append((name, '(plan)', 'fail', 'planned %d subtests, %d reported' % (plan, len(subs))))
        block = []
    if outer_plan is not None and outer_plan != nresults:
        rows.append(('vm:' + os.path.basename(rdir), 'plan', 'fail',
                     'planned %d tests, %d results (the run stopped early)' % (outer_plan, nresults)))
    return done


def check_vm(rdir, prof, rows, expect_series):
    verr = os.path.join(rdir, 'vm-error')
    if os.path.exists(verr):
        rows.append(('vm:' + prof, 'run', 'fail', tidy(open(verr).read())))
    scan = os.path.join(rdir, 'scan.tsv')
    if not os.path.exists(scan):
        rows.append(('kernel:' + prof, 'scan', 'fail', 'the kernel log scan did not run'))
    else:
        for l in open(scan, errors='replace').read().splitlines():
            kind, _, detail = l.partition('\t')
            rows.append(('kernel:' + prof, kind, 'fail', tidy(detail)))
    cmdline = os.path.join(rdir, 'cmdline')
    if os.path.exists(cmdline) and expect_series:
        m = re.search(r'\bimemfd\.series=(\S+)', open(cmdline).read())
        got = m.group(1) if m else 'none'
        if got != expect_series:
            rows.append(('kernel:' + prof, 'identity', 'fail',
                         'booted a kernel of series %s, not %s' % (got[:16], expect_series[:16])))


def identity(rdir):
    out = {}
    path = os.path.join(rdir, 'identity.tsv')
    if os.path.exists(path):
        for l in open(path).read().splitlines():
            k, _, v = l.partition('\t')
            out[k] = v
    return out


def read_expected(path):
    exp = []
    if os.path.exists(path):
        for l in open(path).read().splitlines():
            if l and not l.startswith('#'):
                s, _, t = l.partition('\t')
                exp.append((s, t))
    return exp


def synthetic(row):
    return (row[0].startswith(('kernel:', 'vm:')) or row[0] == 'list' or
            row[1] in ('(exit)', '(plan)', '(suite)'))


def write_expected(tsv, path):
    rows = set()
    for l in open(tsv).read().splitlines():
        if l.startswith('# partial'):
            sys.exit('%s is of a partial run (%s): run the whole make test first' %
                     (tsv, l.split('\t', 1)[-1]))
        if l.startswith('#'):
            continue
        r = (l.split('\t') + [''])[:4]
        if synthetic(r):
            if r[2] == 'fail':
                sys.exit('%s has a failure (%s %s: %s): fix it before taking the run as the baseline' %
                         (tsv, r[0], r[1], r[3]))
            continue
        if r[2] == 'fail' and not (r[3].startswith('missing') or
                                   re.search(r"'make expected'\) \[(pass|skip)", r[3])):
            sys.exit('%s has a failure (%s %s: %s): fix it before taking the run as the baseline' %
                     (tsv, r[0], r[1], r[3]))
        if r[3].startswith('missing'):
            print('dropping %s %s (the run did not report it)' % (r[0], r[1]))
        else:
            rows.add((r[0], r[1]))
    with open(path, 'w') as f:
        f.write('# Every test result make test must report: suite<TAB>test.\n'
                '# Regenerate with \'make expected\' after a full run, and review the diff.\n')
        for s, t in sorted(rows):
            f.write('%s\t%s\n' % (s, t))
    print('%s: %d rows' % (path, len(rows)))


def main():
    if sys.argv[1] == '--write-expected':
        write_expected(sys.argv[2], sys.argv[3])
        return
    root, klist, kulist, expected, out = sys.argv[1:6]
    tfilt = os.environ.get('TEST_FILTER', '')
    kfilt = os.environ.get('KUNIT_FILTER', '')
    expect_series = os.environ.get('EXPECT_SERIES', '')
    rows = []
    entries, sigs = read_list(klist)
    for e in entries:
        if e.bad:
            rows.append(('list', e.name, 'fail', e.bad))
    kunit_seen, done, selected, ident = set(), set(), set(), {}
    profs = sorted(os.listdir(root)) if os.path.isdir(root) else []
    for prof in profs:
        rdir = os.path.join(root, prof)
        if not os.path.isdir(rdir):
            continue
        ident.setdefault('TIER', identity(rdir).get('TIER'))
        ident.update({k: v for k, v in identity(rdir).items() if v})
        kunit_seen |= parse_kunit(rdir, rows, set(kunit_list(kulist)))
        pentries = [e for e in entries if e.profile == prof]
        done |= parse_kselftest(rdir, pentries, sigs, rows)
        sel = os.path.join(rdir, 'selected.txt')
        if os.path.exists(sel):
            selected |= set(open(sel).read().split())
        check_vm(rdir, prof, rows, expect_series)
    for suite in kunit_list(kulist):
        if suite not in kunit_seen and not kfilt:
            rows.append(('kunit:' + suite, '(suite)', 'fail', 'suite did not run (not built in, or filtered out)'))
    for e in entries:
        if e.name in done:
            continue
        if e.name in selected or not tfilt:
            rows.append((e.name, e.name.split(':', 1)[-1], 'fail',
                         'no result (VM crashed or timed out before it ran)'))

    # Completeness against the committed baseline.
    have = {(r[0], r[1]) for r in rows}
    exp = read_expected(expected)
    expset = set(exp)
    for s, t in exp:
        if s.startswith('kunit:'):
            if kfilt:
                continue
        elif tfilt and s not in selected:
            continue
        if (s, t) not in have:
            rows.append((s, t, 'fail', 'missing: tests/expected.tsv expects this result'))
    for i, r in enumerate(rows):
        if not synthetic(r) and (r[0], r[1]) not in expset:
            rows[i] = (r[0], r[1], 'fail', 'unexpected: not in tests/expected.tsv ' +
                       "(a new test? 'make expected') [%s%s]" % (r[2], ': ' + r[3] if r[3] else ''))

    with open(out, 'w') as f:
        for k in ('TIER', 'SERIES', 'TREE', 'BZIMAGE_SHA256', 'KERNEL', 'QEMU'):
            if ident.get(k):
                f.write('# %s\t%s\n' % (k.lower(), ident[k]))
        if tfilt or kfilt:
            f.write('# partial\tTEST_FILTER=%s KUNIT_FILTER=%s\n' % (tfilt, kfilt))
        for r in rows:
            f.write('\t'.join(r) + '\n')

    count = {'pass': 0, 'fail': 0, 'skip': 0}
    reruns = 0
    for r in rows:
        count[r[2]] += 1
        reruns += r[2] == 'pass' and r[3].startswith('after a ' + RERUN)
    per_suite = {}
    for r in rows:
        s = per_suite.setdefault(r[0], {'pass': 0, 'fail': 0, 'skip': 0})
        s[r[2]] += 1
    print('kernel: %s tier, bzImage sha256 %s, series %s (tree %s)' % (
        ident.get('TIER', '?'), ident.get('BZIMAGE_SHA256', '?')[:16],
        ident.get('SERIES', '?')[:16], ident.get('TREE', '?')))
    print('%-52s %6s %6s %6s' % ('suite', 'pass', 'fail', 'skip'))
    for s, c in per_suite.items():
        print('%-52s %6d %6d %6d' % (s[:52], c['pass'], c['fail'], c['skip']))
    for r in rows:
        if r[2] != 'pass':
            print('%s: %s %s: %s' % (r[2].upper(), r[0], r[1], r[3]))
        elif r[3].startswith('after a ' + RERUN):
            print('RERUN: %s %s: %s' % (r[0], r[1], r[3]))
    ran = count['pass'] + count['fail']
    if (tfilt and not selected) or ran == 0:
        print('ERROR: no test ran' + (' (TEST_FILTER=%s selects nothing)' % tfilt if tfilt else ''))
        ran = 0
    if tfilt or kfilt:
        print('PARTIAL RUN: TEST_FILTER=%r KUNIT_FILTER=%r' % (tfilt, kfilt))
    passed = '%d passed' % count['pass']
    if reruns:
        passed += ' (%d after a rerun)' % reruns
    print('%s, %d failed, %d skipped' % (passed, count['fail'], count['skip']))
    sys.exit(1 if count['fail'] or ran == 0 else 0)


if __name__ == '__main__':
    main()
