// What a failed `kind create cluster` says, made readable: kind prints the
// failing command's whole output and then a Go stack trace. The lines that
// name the cause (kubeadm's "[ERROR ...]" checks, "error execution phase",
// kind's own "ERROR:") come first, then the last lines without stack frames.

const STACK_FILE = /^\t\S+\.(go|s):\d+/;
const CAUSE = /\[ERROR [^\]]+\]|error execution phase|^ERROR: |failed to (create|init|join)|timed out/i;

/** The cause lines of kind's output, then its last `tailLines` lines with the Go stack frames left out. */
export function kindCreateFailure(output: string, tailLines = 15): string {
  const lines = output.split("\n").map((l) => l.replace(/\s+$/, ""));
  const frame = new Set<number>();
  lines.forEach((l, i) => {
    if (STACK_FILE.test(l)) {
      frame.add(i);
      if (i > 0) frame.add(i - 1);
    }
  });
  const kept = lines.filter((l, i) => l && !frame.has(i));
  const causes = [...new Set(kept.filter((l) => CAUSE.test(l)))];
  const last = kept.slice(-tailLines).filter((l) => !causes.includes(l));
  return [...(causes.length ? ["cause:", ...causes.map((l) => `  ${l.trim()}`)] : ["no cause line (kubeadm [ERROR …], ERROR:) in kind's output"]), "last lines:", ...last].join("\n");
}
