/** For tests of `Provider.main`: its stdout and stderr collected instead of written. */
export interface CapturedOutput {
  out: string[];
  err: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function captureOutput(): CapturedOutput {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
