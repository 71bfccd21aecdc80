#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Tables, plots and the README section of one 'make bench' run.

  bench-report.py CSV OUTDIR [--previous CSV [--previous-label TEXT]]
                  [--readme README.md] [--plots-to DIR] [--label TEXT]
  bench-report.py --compare PREVIOUS CSV

CSV is what the bench-* programs wrote (demo/bench.h: bench, case, metric,
unit, reps, median, min, max, baseline case, ratio).  Prints the table of
every figure, writes OUTDIR/faultin.png and OUTDIR/scaling.png, and with
--previous compares every ratio with that earlier run's (the figures repeat
when no ratio moved by more than 5 %).  --readme replaces the part of the
README between its bench markers with the table and the plots (copied to
--plots-to), labelled with --label (date, commit, clock).  --compare only
compares two runs; its exit status says whether they agree within 5 %.
"""
import argparse
import csv
import os
import re
import shutil
import sys

TOLERANCE = 0.05
BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'
# The bindings curve has many points; the README's table shows these.
README_BINDINGS = ('ordinary memfd (upstream)', '0 bindings', '1 binding',
                   '16 bindings', '256 bindings', '4096 bindings',
                   '4096 bindings (test consumer)')

FIELDS = ('bench', 'case', 'metric', 'unit', 'reps', 'median', 'min', 'max',
          'baseline', 'ratio')


def load(path):
    rows = []
    with open(path, newline='') as f:
        for r in csv.reader(f):
            if len(r) != len(FIELDS):
                sys.exit('%s: malformed row %r' % (path, r))
            d = dict(zip(FIELDS, r))
            for k in ('median', 'min', 'max'):
                d[k] = float(d[k])
            d['reps'] = int(d['reps'])
            d['ratio'] = float(d['ratio']) if d['ratio'] else None
            rows.append(d)
    if not rows:
        sys.exit('%s: no figures' % path)
    return rows


def key(r):
    return (r['bench'], r['case'], r['metric'])


def num(x):
    a = abs(x)
    return '%.*f' % (0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 10 else 3, x)


def spread(r):
    return (r['max'] - r['min']) / r['median'] * 100 if r['median'] else 0.0


def compared(r):
    """The number two runs must agree on: the ratio, or a figure that is a
    ratio itself (unit 'x ...')"""
    if r['ratio'] is not None:
        return r['ratio']
    if r['unit'].startswith('x'):
        return r['median']
    return None


def print_table(rows):
    w = max(len(r['case']) for r in rows)
    m = max(len(r['metric']) for r in rows)
    bench = None
    for r in rows:
        if r['bench'] != bench:
            bench = r['bench']
            print('\n%s (median of %d, [min .. max])' % (bench, r['reps']))
        ratio = 'x%.3f vs %s' % (r['ratio'], r['baseline']) if r['ratio'] is not None else ''
        print('  %-*s  %-*s %11s %-7s [%s .. %s] %s' % (
            w, r['case'], m, r['metric'], num(r['median']), r['unit'],
            num(r['min']), num(r['max']), ratio))


def compare(rows, prev_rows):
    """Prints every ratio of @rows beside @prev_rows'; returns (agree, summary)"""
    prev = {key(r): r for r in prev_rows}
    now = {key(r) for r in rows}
    worst, n, missing = 0.0, 0, 0
    print('\nrepeatability: every ratio against the previous run')
    for r in rows:
        a = compared(r)
        if a is None:
            continue
        p = prev.get(key(r))
        b = compared(p) if p else None
        if b is None:
            print('  %-12s %-34s %-24s not in the previous run' % key(r))
            missing += 1
            continue
        n += 1
        d = abs(a - b) / abs(b) if b else (0.0 if a == b else float('inf'))
        worst = max(worst, d)
        flag = '  <-- moved by more than %d %%' % (TOLERANCE * 100) if d > TOLERANCE else ''
        print('  %-12s %-34s %-24s %9.4g %9.4g %6.2f%%%s' % (
            r['bench'], r['case'], r['metric'], b, a, d * 100, flag))
    gone = [k for k in prev if k not in now and compared(prev[k]) is not None]
    for k in gone:
        print('  %-12s %-34s %-24s only in the previous run' % k)
    agree = n > 0 and worst <= TOLERANCE and not missing and not gone
    summary = ('%d ratios, largest difference %.2f %%: %s %d %% of the previous run' %
               (n, worst * 100, 'all within' if agree else 'NOT all within',
                TOLERANCE * 100))
    if missing or gone:
        summary += ' (%d figures in only one of the runs)' % (missing + len(gone))
    print('repeatability: ' + summary)
    return agree, summary


def plot_faultin(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fr = [r for r in rows if r['bench'] == 'kvm-faultin']
    floor = [r for r in fr if r['metric'] == 'zero mapped memory']
    cases = [r['case'] for r in fr if r['metric'] == 'guest touch']
    metrics = ('guest touch', 'KVM_PRE_FAULT_MEMORY')
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.38
    for i, metric in enumerate(metrics):
        sel = {r['case']: r for r in fr if r['metric'] == metric}
        xs = [j + (i - 0.5) * width for j in range(len(cases))]
        med = [sel[c]['median'] / 1e3 for c in cases]
        err = [[(sel[c]['median'] - sel[c]['min']) / 1e3 for c in cases],
               [(sel[c]['max'] - sel[c]['median']) / 1e3 for c in cases]]
        ax.bar(xs, med, width, yerr=err, capsize=3, label=metric)
        for x, v in zip(xs, med):
            ax.annotate('%.1f' % v, (x, v), ha='center', va='bottom', fontsize=8)
    if floor:
        f = floor[0]['median'] / 1e3
        ax.axhline(f, color='k', linestyle='--', linewidth=1,
                   label='zeroing floor (%.2f)' % f)
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c.replace(' (upstream)', '\n(upstream)') for c in cases])
    ax.set_ylabel('us of guest time per 4 KiB page')
    ax.set_title('Private memory fault-in per backing (median, min-max bars)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_scaling(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    br = [r for r in rows if r['bench'] == 'bindings']

    def curve(metric):
        pts = []
        for r in br:
            m = re.fullmatch(r'(\d+) bindings?', r['case'])
            if r['metric'] == metric and m and int(m.group(1)) > 0:
                pts.append((int(m.group(1)), r))
        return sorted(pts, key=lambda p: p[0])

    def base(metric):
        for r in br:
            if r['metric'] == metric and r['case'].startswith('ordinary'):
                return r['median']
        return None

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for metric, ax in (('punch 1 page', left), ('lookup (fallocate)', left),
                       ('bind + unbind', left), ('punch 4096 pages', right)):
        pts = curve(metric)
        if not pts:
            continue
        xs = [p[0] for p in pts]
        med = [p[1]['median'] for p in pts]
        err = [[p[1]['median'] - p[1]['min'] for p in pts],
               [p[1]['max'] - p[1]['median'] for p in pts]]
        line = ax.errorbar(xs, med, yerr=err, marker='o', markersize=3,
                           capsize=2, label=metric)
        b = base(metric)
        if b is not None:
            ax.axhline(b, color=line[0].get_color(), linestyle=':', linewidth=1,
                       label=metric + ', ordinary memfd')
    for ax, unit in ((left, 'ns'), (right, 'us')):
        ax.set_xscale('log', base=2)
        ax.set_xlabel('bindings on the memfd')
        ax.set_ylabel('%s of guest time per operation' % unit)
        ax.set_ylim(bottom=0)
        ax.grid(True, which='major', alpha=0.3)
        ax.legend(fontsize=8)
    left.set_title('Operations on one page of the memfd')
    right.set_title('Punching all 4096 pages (invalidates every binding)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def readme_section(rows, label, verdict, plots):
    reps = sorted({r['reps'] for r in rows})
    label += ' Every figure is the median of %s repetitions in one boot;' % '/'.join(map(str, reps))
    label += ' spread = (max - min) / median.'
    out = [BEGIN,
           '<!-- generated by make bench (harness/bench-report.py); edits are overwritten -->',
           '', label, '', 'Repeatability: ' + verdict, '',
           '| benchmark | case | figure | median | spread | vs upstream |',
           '|---|---|---|---:|---:|---:|']
    for r in rows:
        if r['bench'] == 'bindings' and r['case'] not in README_BINDINGS:
            continue
        if r['bench'] == 'bindings' and r['metric'].startswith('lookups/s') and \
                not r['case'].startswith(('4096', 'ordinary')):
            continue
        ratio = '%.3f' % r['ratio'] if r['ratio'] is not None else ''
        if r['ratio'] is not None and r['baseline'] != r['case'] and \
                'upstream' not in r['baseline'] and 'ordinary' not in r['baseline']:
            ratio += ' (vs %s)' % r['baseline']
        out.append('| %s | %s | %s | %s %s | %.1f %% | %s |' % (
            r['bench'], r['case'], r['metric'], num(r['median']), r['unit'],
            spread(r), ratio))
    out.append('')
    for p in plots:
        out.append('![%s](%s)' % (os.path.splitext(os.path.basename(p))[0], p))
    out.append(END)
    return '\n'.join(out)


def update_readme(readme, section):
    text = open(readme).read()
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b:
        sys.exit('%s has no %s ... %s section' % (readme, BEGIN, END))
    with open(readme, 'w') as f:
        f.write(text[:b] + section + text[e + len(END):])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--compare':
        sys.exit(0 if compare(load(sys.argv[3]), load(sys.argv[2]))[0] else 1)
    ap = argparse.ArgumentParser()
    ap.add_argument('csv')
    ap.add_argument('outdir')
    ap.add_argument('--previous')
    ap.add_argument('--readme')
    ap.add_argument('--plots-to')
    ap.add_argument('--label', default='')
    ap.add_argument('--previous-label', default='')
    a = ap.parse_args()

    rows = load(a.csv)
    print_table(rows)
    plots = [os.path.join(a.outdir, 'faultin.png'), os.path.join(a.outdir, 'scaling.png')]
    plot_faultin(rows, plots[0])
    plot_scaling(rows, plots[1])
    print('\nplots: %s' % ' '.join(plots))
    if a.previous and os.path.exists(a.previous):
        _, verdict = compare(rows, load(a.previous))
        if a.previous_label:
            verdict += ' (%s)' % a.previous_label
    else:
        verdict = 'no previous run to compare with (run make bench again)'
        print('\nrepeatability: ' + verdict)
    if a.readme:
        rel = []
        for p in plots:
            dst = os.path.join(a.plots_to, os.path.basename(p))
            shutil.copyfile(p, dst)
            rel.append(os.path.relpath(dst, os.path.dirname(os.path.abspath(a.readme))))
        update_readme(a.readme, readme_section(rows, a.label, verdict, rel))
        print('README: %s updated' % a.readme)


if __name__ == '__main__':
    main()
