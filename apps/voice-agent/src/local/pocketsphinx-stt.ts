import { asLanguageCode, mergeFrames, stt, type AudioBuffer } from '@livekit/agents';
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeWav, resample } from './espeak-tts';

/**
 * Debian's `pocketsphinx` (0.8+5prealpha) ships `pocketsphinx_continuous` (and `_batch`, whose grammar search
 * loses utterances with pauses in this version); `pocketsphinx-en-us` the US English model.
 */
export const POCKETSPHINX_BIN = 'pocketsphinx_continuous';
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const SAMPLE_RATE = 16_000;
/** Leading silence before the utterance: pocketsphinx's own speech detector and mean normalisation need it. */
const LEAD_SILENCE_MS = 500;
const TRAIL_SILENCE_MS = 200;

export interface PocketsphinxOptions {
  /** The lines the caller is expected to say (the sandbox scripts): recognition is restricted to them (JSGF). */
  phrases?: readonly string[];
  language?: string;
  /** Directory holding the `pocketsphinx_continuous` binary; default: found on PATH. */
  binDir?: string;
  /** Holds `en-us/` (acoustic model), `cmudict-en-us.dict` and `en-us.lm.bin`. */
  modelDir?: string;
  /** Per utterance; default 10 s. */
  timeoutMs?: number;
}

function findOnPath(bin: string, binDir?: string): string | null {
  const dirs = binDir ? [binDir] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, bin);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Lower-case words, punctuation dropped except inner apostrophes: how lines are compared and put in the grammar. */
export function normaliseUtterance(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const dictionaries = new Map<string, Set<string>>();
function dictionaryWords(file: string): Set<string> {
  let words = dictionaries.get(file);
  if (!words) {
    words = new Set();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const word = line.slice(0, line.indexOf(' ')).replace(/\(\d+\)$/, '');
      if (word) words.add(word);
    }
    dictionaries.set(file, words);
  }
  return words;
}

/**
 * A JSGF grammar accepting exactly one of `phrases` (normalised). Lines with a word the pronouncing dictionary
 * lacks (digits, names) cannot be recognised and are left out; they are returned so the caller can say so.
 */
export function buildGrammar(phrases: readonly string[], known: (word: string) => boolean): { jsgf: string | null; phrases: string[]; skipped: string[] } {
  const kept: string[] = [];
  const skipped: string[] = [];
  for (const phrase of phrases) {
    const norm = normaliseUtterance(phrase);
    if (!norm) continue;
    if (norm.split(' ').every(known)) {
      if (!kept.includes(norm)) kept.push(norm);
    } else skipped.push(phrase);
  }
  const jsgf = kept.length ? `#JSGF V1.0;\ngrammar caller;\npublic <utterance> = ${kept.join(' | ')};\n` : null;
  return { jsgf, phrases: kept, skipped };
}

/**
 * Speech recognition with no network: CMU PocketSphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`), one
 * `pocketsphinx_continuous -infile` run per utterance that the session's VAD cuts from the caller's audio (non-streaming:
 * VoiceSession wraps it in `stt.StreamAdapter`). Its default language model is poor on synthetic voices, so
 * with `phrases` (the caller's scripted lines) it decodes against a JSGF grammar of exactly those lines, which
 * is exact on espeak speech; the script's original wording (punctuation, case) is returned for a match.
 */
export class PocketsphinxSTT extends stt.STT {
  label = 'local.PocketsphinxSTT';
  readonly #bin: string | null;
  readonly #modelDir: string;
  readonly #language: string;
  readonly #timeoutMs: number;
  readonly #jsgf: string | null;
  /** Normalised phrase → the script's line. */
  readonly #original = new Map<string, string>();
  readonly skippedPhrases: string[] = [];

  /** Whether the binary and the English model are installed (without them `recognize` rejects). */
  static isAvailable(opts: Pick<PocketsphinxOptions, 'binDir' | 'modelDir'> = {}): boolean {
    const modelDir = opts.modelDir ?? POCKETSPHINX_MODEL_DIR;
    return findOnPath(POCKETSPHINX_BIN, opts.binDir) !== null && existsSync(path.join(modelDir, 'en-us', 'mdef')) && existsSync(path.join(modelDir, 'cmudict-en-us.dict'));
  }

  constructor(opts: PocketsphinxOptions = {}) {
    super({ streaming: false, interimResults: false });
    this.#bin = findOnPath(POCKETSPHINX_BIN, opts.binDir);
    this.#modelDir = opts.modelDir ?? POCKETSPHINX_MODEL_DIR;
    this.#language = opts.language ?? 'en';
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    let jsgf: string | null = null;
    const dict = path.join(this.#modelDir, 'cmudict-en-us.dict');
    if (opts.phrases?.length && existsSync(dict)) {
      const words = dictionaryWords(dict);
      const grammar = buildGrammar(opts.phrases, (w) => words.has(w));
      jsgf = grammar.jsgf;
      this.skippedPhrases.push(...grammar.skipped);
      for (const line of opts.phrases) {
        const norm = normaliseUtterance(line);
        if (grammar.phrases.includes(norm) && !this.#original.has(norm)) this.#original.set(norm, line.trim());
      }
    }
    this.#jsgf = jsgf;
  }

  override get provider(): string {
    return 'local';
  }

  override get model(): string {
    return this.#jsgf ? 'pocketsphinx-jsgf' : 'pocketsphinx';
  }

  /** Transcribes 16-bit mono PCM at any rate (resampled to 16 kHz). */
  async transcribe(samples: Int16Array, sampleRate: number, abortSignal?: AbortSignal): Promise<string> {
    if (!this.#bin) throw new Error(`${POCKETSPHINX_BIN} not found (apt-get install pocketsphinx pocketsphinx-en-us)`);
    const speech = resample(samples, sampleRate, SAMPLE_RATE);
    const lead = (LEAD_SILENCE_MS * SAMPLE_RATE) / 1000;
    const padded = new Int16Array(lead + speech.length + (TRAIL_SILENCE_MS * SAMPLE_RATE) / 1000);
    padded.set(speech, lead);

    const dir = await mkdtemp(path.join(tmpdir(), 'pocketsphinx-'));
    try {
      await writeFile(path.join(dir, 'utt.wav'), encodeWav(padded, SAMPLE_RATE));
      const args = ['-hmm', path.join(this.#modelDir, 'en-us'), '-dict', path.join(this.#modelDir, 'cmudict-en-us.dict')];
      if (this.#jsgf) {
        await writeFile(path.join(dir, 'caller.gram'), this.#jsgf);
        args.push('-jsgf', path.join(dir, 'caller.gram'));
      } else {
        args.push('-lm', path.join(this.#modelDir, 'en-us.lm.bin'));
      }
      args.push('-infile', path.join(dir, 'utt.wav'), '-samprate', String(SAMPLE_RATE), '-logfn', path.join(dir, 'log'));
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(this.#bin!, args, { timeout: this.#timeoutMs, signal: abortSignal }, (err, out) => (err ? reject(err) : resolve(out)));
      }).catch(async (err: Error) => {
        const log = await readFile(path.join(dir, 'log'), 'utf8').catch(() => '');
        const lastError = log.split('\n').filter((l) => l.startsWith('ERROR')).pop();
        throw new Error(`${POCKETSPHINX_BIN} failed: ${err.message}${lastError ? ` (${lastError})` : ''}`);
      });
      // One line per stretch of speech it detects (normally one: the VAD already cut the utterance).
      return stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  protected async _recognize(audio: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const frame = mergeFrames(audio);
    let samples = frame.data;
    if (frame.channels > 1) {
      samples = new Int16Array(frame.samplesPerChannel);
      for (let i = 0; i < samples.length; i++) samples[i] = frame.data[i * frame.channels]!;
    }
    const heard = await this.transcribe(samples, frame.sampleRate, abortSignal);
    const text = this.#original.get(normaliseUtterance(heard)) ?? heard;
    const duration = frame.samplesPerChannel / frame.sampleRate;
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [{ text, language: asLanguageCode(this.#language), startTime: 0, endTime: duration, confidence: text ? 1 : 0 }],
    };
  }

  stream(): stt.SpeechStream {
    throw new Error('PocketsphinxSTT is non-streaming; AgentSession wraps it in stt.StreamAdapter with the VAD');
  }
}
