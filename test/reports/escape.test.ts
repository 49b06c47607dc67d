// tier: unit
import t from 'tap';
import { escapeHtml, escapeXml } from '../../orchestrator/reports/escape.js';

t.test('HTML and XML escaping', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  t.equal(escapeXml('a\u0001b\tc'), 'a\\x01b\tc', 'control characters XML cannot hold are spelled out');
});
