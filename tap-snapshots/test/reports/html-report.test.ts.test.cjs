/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/reports/html-report.test.ts > TAP > snapshot > must match snapshot 1`] = `
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>slotlab: pam-qmp</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}
.race{color:#b03a2e;font-weight:600}.safe{color:#1e8449;font-weight:600}.inconclusive{color:#9a7d0a;font-weight:600}.stopped{color:#1e8449;font-weight:600}.livelock{color:#b03a2e;font-weight:600}.stalled{color:#b03a2e;font-weight:600}
.contradicted{background:#fdecea}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart .title{font-size:13px;font-weight:600}.chart .tick,.chart .legend{font-size:11px}.chart .label{font-size:12px}
.chart .axis{stroke:#555}
details{margin:4px 0}summary{cursor:pointer}code{font-size:12px}
</style></head>
<body data-cells="3">
<h1>slotlab: pam-qmp</h1>
<p>Generated 2026-11-25T00:00:00.000Z from 8 iteration records in 1 run(s).</p>
<table id="summary"><thead><tr><th>suite</th><th>build</th><th>lost</th><th>loss / iteration (95% CI)</th><th>loss / mutation (95% CI)</th><th>mutations to failure (median, p90)</th><th>time to failure (median)</th><th>latency p50 / p99 (QMP) or guest-measured</th><th>verdict</th><th>expected</th></tr></thead><tbody>
<tr><td>pam-qmp</td><td>debian-7.2</td><td><span class="num">3/3</span></td><td>1.00 [0.29, 1.00]</td><td>0.20 [0.043, 0.48] of 15</td><td>5, 7</td><td>30 ms</td><td>1.2 ms / 8.6 ms</td><td><span class="race">race</span></td><td>race (ok)</td></tr>
<tr><td>pam-qmp</td><td>debian-bpo-10.0</td><td><span class="num">0/3</span></td><td>0 [0, 0.71]</td><td>0 [0, 2.5e-4] of 15000</td><td>not reached, not reached</td><td>not reached</td><td>1.4 ms / 12 ms</td><td><span class="safe">safe (p &lt; 2.5e-4 per mutation at 95%)</span></td><td>safe (ok)</td></tr>
<tr class="contradicted"><td>pam-qmp</td><td>patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</td><td><span class="num">1/2</span></td><td>0.50 [0.013, 0.99]</td><td>2.0e-4 [4.9e-6, 1.1e-3] of 5120</td><td>120, not reached</td><td>300 ms</td><td>1.4 ms / 12 ms</td><td><span class="race">race</span></td><td>safe (CONTRADICTED)</td></tr>
</tbody></table>
<h2>Charts</h2>
<div class="charts">
<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 260" width="640" height="260" role="img" aria-label="pam-qmp: guests alive vs mutations">
<text x="263" y="16" text-anchor="middle" class="title">pam-qmp: guests alive vs mutations</text>
<line x1="56" y1="220" x2="470" y2="220" class="axis"/>
<line x1="56" y1="220" x2="56" y2="28" class="axis"/>
<text x="56" y="234" text-anchor="middle" class="tick">0</text>
<text x="89.7" y="234" text-anchor="middle" class="tick">1</text>
<text x="172.6" y="234" text-anchor="middle" class="tick">10</text>
<text x="280.3" y="234" text-anchor="middle" class="tick">100</text>
<text x="391.8" y="234" text-anchor="middle" class="tick">1k</text>
<text x="50" y="224" text-anchor="end" class="tick">0</text>
<text x="50" y="128" text-anchor="end" class="tick">0.5</text>
<text x="50" y="32" text-anchor="end" class="tick">1</text>
<text x="320" y="254" text-anchor="middle" class="label">mutations (log scale)</text>
<text x="12" y="130" text-anchor="middle" class="label" transform="rotate(-90 12 130)">fraction alive</text>
<path d="M56,28 L123.4,28 L123.4,92 L143.1,92 L143.1,156 L157.1,156 L157.1,220" fill="none" stroke="#c0392b" stroke-width="2" class="series"><title>debian-7.2</title></path>
<rect x="484" y="28" width="10" height="10" fill="#c0392b"/>
<text x="499" y="37" class="legend">debian-7.2</text>
<path d="M56,28 L470,28 L470,28" fill="none" stroke="#2471a3" stroke-width="2" class="series"><title>debian-bpo-10.0</title></path>
<rect x="484" y="44" width="10" height="10" fill="#2471a3"/>
<text x="499" y="53" class="legend">debian-bpo-10.0</text>
<path d="M56,28 L289.1,28 L289.1,124 L470,124 L470,124" fill="none" stroke="#1e8449" stroke-width="2" class="series"><title>patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</title></path>
<rect x="484" y="60" width="10" height="10" fill="#1e8449"/>
<text x="499" y="69" class="legend">patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</text>
</svg>
<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 260" width="640" height="260" role="img" aria-label="pam-qmp: mutation latency distribution">
<text x="263" y="16" text-anchor="middle" class="title">pam-qmp: mutation latency distribution</text>
<line x1="56" y1="220" x2="470" y2="220" class="axis"/>
<line x1="56" y1="220" x2="56" y2="28" class="axis"/>
<text x="56" y="234" text-anchor="middle" class="tick">0</text>
<text x="86.5" y="234" text-anchor="middle" class="tick">1</text>
<text x="161.6" y="234" text-anchor="middle" class="tick">10</text>
<text x="259.2" y="234" text-anchor="middle" class="tick">100</text>
<text x="360.3" y="234" text-anchor="middle" class="tick">1k</text>
<text x="461.6" y="234" text-anchor="middle" class="tick">10k</text>
<text x="50" y="224" text-anchor="end" class="tick">0</text>
<text x="50" y="128" text-anchor="end" class="tick">0.4</text>
<text x="50" y="32" text-anchor="end" class="tick">0.8</text>
<text x="320" y="254" text-anchor="middle" class="label">latency, microseconds (log scale)</text>
<text x="12" y="130" text-anchor="middle" class="label" transform="rotate(-90 12 130)">fraction of mutations</text>
<path d="M367,48.6 L454.7,151.4" fill="none" stroke="#c0392b" stroke-width="2" class="series"><title>debian-7.2</title></path>
<rect x="484" y="28" width="10" height="10" fill="#c0392b"/>
<text x="499" y="37" class="legend">debian-7.2</text>
<path d="M374.6,28 L378.4,176.8 L470,215.2" fill="none" stroke="#2471a3" stroke-width="2" class="series"><title>debian-bpo-10.0</title></path>
<rect x="484" y="44" width="10" height="10" fill="#2471a3"/>
<text x="499" y="53" class="legend">debian-bpo-10.0</text>
<path d="M367,219.8 L374.6,28.3 L378.4,176.9 L454.7,219.9 L470,215.2" fill="none" stroke="#1e8449" stroke-width="2" class="series"><title>patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</title></path>
<rect x="484" y="60" width="10" height="10" fill="#1e8449"/>
<text x="499" y="69" class="legend">patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</text>
</svg>
<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 84" width="640" height="84" role="img" aria-label="vCPU progress while mutating (loop iterations per second, all vCPUs)">
<text x="320" y="16" text-anchor="middle" class="title">vCPU progress while mutating (loop iterations per second, all vCPUs)</text>
<text x="194" y="42" text-anchor="end" class="tick">pam-qmp / debian-bpo-10.0</text>
<rect x="200" y="31" width="320" height="14" fill="#2471a3" class="bar"><title>250,000/s</title></rect>
<text x="526" y="42" class="tick">250,000/s</text>
<text x="194" y="64" text-anchor="end" class="tick">pam-qmp / patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;</text>
<rect x="200" y="53" width="320" height="14" fill="#1e8449" class="bar"><title>250,000/s</title></rect>
<text x="526" y="64" class="tick">250,000/s</text>
</svg>
</div>
<h2>Provenance</h2>
<details><summary>pam-qmp on debian-7.2: QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)</summary><table>
<tr><th>family</th><td>stock</td></tr>
<tr><th>kind</th><td>system-package</td></tr>
<tr><th>source</th><td>qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3</td></tr>
<tr><th>binary</th><td><code>/usr/bin/qemu-system-x86_64</code></td></tr>
<tr><th>sha256</th><td><code>bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb</code></td></tr>
<tr><th>iterations</th><td>3 ran, 3 lost, 0 survived, 0 stalled, 0 errors</td></tr>
</table>
<table><thead><tr><th>run</th><th>#</th><th>outcome</th><th>stop</th><th>mutations</th><th>vCPU</th><th>EIP/RIP</th><th>QEMU output</th></tr></thead><tbody>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">0</td><td>guest-lost</td><td>internal-error</td><td class="num">3</td><td>2</td><td>0x100087</td><td><details><summary>stderr</summary><pre>KVM internal error. Suberror: 1
emulation failure
EAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1
EIP=00100087 EFL=00000046 [---Z-P-] CPL=0</pre></details></td></tr>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">1</td><td>guest-lost</td><td>internal-error</td><td class="num">5</td><td>2</td><td>0x100087</td><td><details><summary>stderr</summary><pre>KVM internal error. Suberror: 1
emulation failure
EAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1
EIP=00100087 EFL=00000046 [---Z-P-] CPL=0</pre></details></td></tr>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">2</td><td>guest-lost</td><td>internal-error</td><td class="num">7</td><td>2</td><td>0x100087</td><td><details><summary>stderr</summary><pre>KVM internal error. Suberror: 1
emulation failure
EAX=00100080 EBX=00005050 ECX=00000000 EDX=00060fb1
EIP=00100087 EFL=00000046 [---Z-P-] CPL=0</pre></details></td></tr>
</tbody></table></details>
<details><summary>pam-qmp on debian-bpo-10.0: QEMU emulator version 10.0.2</summary><table>
<tr><th>family</th><td>paused-vcpu</td></tr>
<tr><th>kind</th><td>backports-package</td></tr>
<tr><th>source</th><td>qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3</td></tr>
<tr><th>binary</th><td><code>/usr/bin/qemu-system-x86_64</code></td></tr>
<tr><th>sha256</th><td><code>cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc</code></td></tr>
<tr><th>iterations</th><td>3 ran, 0 lost, 3 survived, 0 stalled, 0 errors</td></tr>
</table>
<table><thead><tr><th>run</th><th>#</th><th>outcome</th><th>stop</th><th>mutations</th><th>vCPU</th><th>EIP/RIP</th><th>QEMU output</th></tr></thead><tbody>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">0</td><td>survived</td><td>mutations</td><td class="num">5000</td><td>-</td><td>-</td><td><details><summary>stderr</summary><pre></pre></details></td></tr>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">1</td><td>survived</td><td>mutations</td><td class="num">5000</td><td>-</td><td>-</td><td><details><summary>stderr</summary><pre></pre></details></td></tr>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">2</td><td>survived</td><td>mutations</td><td class="num">5000</td><td>-</td><td>-</td><td><details><summary>stderr</summary><pre></pre></details></td></tr>
</tbody></table></details>
<details><summary>pam-qmp on patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;: QEMU emulator version 10.0.2</summary><table>
<tr><th>family</th><td>paused-vcpu</td></tr>
<tr><th>kind</th><td>backports-package</td></tr>
<tr><th>source</th><td>qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3</td></tr>
<tr><th>binary</th><td><code>/usr/bin/qemu-system-x86_64</code></td></tr>
<tr><th>sha256</th><td><code>dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd</code></td></tr>
<tr><th>iterations</th><td>2 ran, 1 lost, 1 survived, 0 stalled, 0 errors</td></tr>
</table>
<table><thead><tr><th>run</th><th>#</th><th>outcome</th><th>stop</th><th>mutations</th><th>vCPU</th><th>EIP/RIP</th><th>QEMU output</th></tr></thead><tbody>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">0</td><td>guest-lost</td><td>internal-error</td><td class="num">120</td><td>2</td><td>0x100087</td><td><details><summary>stderr</summary><pre>KVM internal error. Suberror: 1
&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more</pre></details></td></tr>
<tr><td>20261125-000000-pam-qmp-0000</td><td class="num">1</td><td>survived</td><td>mutations</td><td class="num">5000</td><td>-</td><td>-</td><td><details><summary>stderr</summary><pre></pre></details></td></tr>
</tbody></table></details>
<h2>Runs</h2>
<table><thead><tr><th>run</th><th>suite</th><th>started</th><th>ended</th><th>status</th><th>host</th></tr></thead><tbody>
<tr><td><code>20261125-000000-pam-qmp-0000</code></td><td>pam-qmp</td><td>2026-11-25T00:00:00.000Z</td><td>?</td><td>unknown (no manifest)</td><td>Test CPU (2 CPUs, 24 GiB), Linux 6.1.0</td></tr>
</tbody></table>
<script>document.body.dataset.chartsRendered = String(document.querySelectorAll('svg.chart path.series, svg.chart rect.bar').length);</script>
</body></html>

`
