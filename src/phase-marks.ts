// Start-up phase marks, for bench/profile-phases.mjs only: it compiles a separate
// executable with OCIRT_PROFILE set, in which each mark records the wall-clock time
// a phase ended and the marks go to stderr at exit. bin/ocirt is compiled with
// OCIRT_PROFILE false and Node leaves it undefined: there a mark does nothing, and
// no variable or flag turns marks on.
import { writeSync } from 'node:fs';

declare const OCIRT_PROFILE: boolean | undefined;

const ON = typeof OCIRT_PROFILE === 'boolean' && OCIRT_PROFILE;
const marks: string[] = [];

export function mark(phase: string): void {
  if (ON) marks.push(`${phase}=${performance.timeOrigin + performance.now()}`);
}

/** Writes the marks as one stderr line, `ocirt-phase-marks a=T b=T ...` (T: ms since the epoch). */
export function writeMarks(): void {
  if (ON) writeSync(2, `ocirt-phase-marks ${marks.join(' ')}\n`);
}
