// Unit tests: Python-style JSON text and WebOb's error pages and Accept negotiation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pyJsonDumps } from '../../src/emulator/pyjson.js';
import { errorPage, negotiate } from '../../src/emulator/webob.js';

describe('pyJsonDumps', () => {
  it('writes json.dumps spacing and keeps key order', () => {
    assert.equal(pyJsonDumps({ b: 1, a: [1, 2, { c: null }], d: true, e: {}, f: [] }), '{"b": 1, "a": [1, 2, {"c": null}], "d": true, "e": {}, "f": []}');
  });

  it('escapes as ensure_ascii does: controls, non-ASCII (surrogate pairs), DEL', () => {
    assert.equal(pyJsonDumps('a"b\\c\n\t\u0001é😀\u007f/'), '"a\\"b\\\\c\\n\\t\\u0001\\u00e9\\ud83d\\ude00\\u007f/"');
  });

  it('writes Python spellings of special floats', () => {
    assert.equal(pyJsonDumps([NaN, Infinity, -Infinity, 1.5, -0.25]), '[NaN, Infinity, -Infinity, 1.5, -0.25]');
  });
});

describe('WebOb error pages', () => {
  it('chooses plain without Accept, HTML for */* or text/html, JSON when only JSON is wanted', () => {
    assert.equal(negotiate(undefined), 'plain');
    assert.equal(negotiate(''), 'plain');
    assert.equal(negotiate('*/*'), 'html');
    assert.equal(negotiate('text/*'), 'html');
    assert.equal(negotiate('application/json'), 'json');
    assert.equal(negotiate('application/json, text/html;q=0.5'), 'json');
    assert.equal(negotiate('text/html;q=0, */*'), 'json');
    assert.equal(negotiate('text/plain'), 'plain');
    assert.equal(negotiate('not a media range'), 'html', 'an invalid header accepts anything');
  });

  it('renders the plain 404 exactly as Nova sends it', () => {
    const page = errorPage(404, undefined);
    assert.equal(page.status, 404);
    assert.equal(page.contentType, 'text/plain; charset=UTF-8');
    assert.equal(page.body.toString(), '404 Not Found\n\nThe resource could not be found.\n\n   ');
  });

  it('renders HTML with the explanation escaped', () => {
    const page = errorPage(400, '*/*', 'a <b> & c');
    assert.equal(page.contentType, 'text/html; charset=UTF-8');
    assert.match(page.body.toString(), /<h1>400 Bad Request<\/h1>\n {2}a &lt;b&gt; &amp; c<br \/><br \/>\n\n\n\n <\/body>\n<\/html>$/);
  });
});
