export type Speaker = 'agent' | 'caller';

/** A line as a transport reports it: the text so far (`final: false`) or as it stays (`final: true`). */
export interface TranscriptUpdate {
  role: Speaker;
  text: string;
  final: boolean;
  /** The line it belongs to, when the transport says (LiveKit's `lk.segment_id`); otherwise the speaker's open line. */
  segment?: string;
}

export interface TranscriptLine {
  /** Stable across updates (a React key). */
  key: number;
  role: Speaker;
  text: string;
  final: boolean;
  segment?: string;
}

/**
 * The live transcript after one update. A partial line is replaced as it grows, and by its final text when that
 * comes: the line of the same segment, else the speaker's latest line still open; with neither, a new line. A final
 * update with no text closes the open line and removes it (the recogniser dropped what it had guessed).
 */
export function applyTranscript(lines: readonly TranscriptLine[], update: TranscriptUpdate, nextKey: () => number): TranscriptLine[] {
  const text = update.text.trim();
  const at = openLine(lines, update);
  if (at < 0) {
    if (!text) return lines as TranscriptLine[];
    return [...lines, { key: nextKey(), role: update.role, text, final: update.final, segment: update.segment }];
  }
  if (!text && update.final) return lines.filter((_, i) => i !== at);
  const next = lines.slice();
  next[at] = { ...lines[at]!, text: text || lines[at]!.text, final: update.final };
  return next;
}

function openLine(lines: readonly TranscriptLine[], update: TranscriptUpdate): number {
  if (update.segment !== undefined) return lines.findIndex((l) => l.segment === update.segment);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.role === update.role && !l.final && l.segment === undefined) return i;
  }
  return -1;
}
