// Reading the text files k6 writes: LineTail follows samples.ndjson as it
// grows, fileTail reads the end of k6.log for an error message.
import { open, type FileHandle } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

/** The last `lines` lines of a text file ("" if it cannot be read). */
export async function fileTail(file: string, lines = 30, maxBytes = 16_384): Promise<string> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, "r");
    const { size } = await fh.stat();
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    return buf.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  } finally {
    await fh?.close();
  }
}

/** Reads complete lines appended to a file, from offset 0, by polling. */
export class LineTail {
  #fh: FileHandle | undefined;
  #pos = 0;
  #rest = "";
  #decoder = new StringDecoder("utf8");
  #buf = Buffer.alloc(64 * 1024);
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #closed = false;
  /** The last read error, if any (reading goes on at the next poll). */
  readError: Error | undefined;

  constructor(
    readonly file: string,
    private readonly onLine: (line: string) => void,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.#fh = await open(this.file, "r");
    const tick = () => {
      this.#timer = undefined;
      this.#reading = this.#reading
        .then(() => this.#readAvailable())
        .catch((e: unknown) => {
          this.readError = e as Error;
        })
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.#timer = setTimeout(tick, this.intervalMs);
  }

  async #readAvailable(): Promise<void> {
    const fh = this.#fh;
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(this.#buf, 0, this.#buf.length, this.#pos);
      if (bytesRead === 0) return;
      this.#pos += bytesRead;
      const text = this.#rest + this.#decoder.write(this.#buf.subarray(0, bytesRead));
      const parts = text.split("\n");
      // Only complete lines: the last part has no "\n" yet (k6 may be mid-write).
      this.#rest = parts.pop() ?? "";
      for (const line of parts) this.onLine(line);
    }
  }

  /** Reads to the end of the file (if started), stops polling; returns an incomplete last line ("" if none). */
  async close(): Promise<string> {
    if (this.#closed) return "";
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#reading;
    try {
      await this.#readAvailable();
    } catch (e) {
      this.readError = e as Error;
    }
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
    const rest = this.#rest + this.#decoder.end();
    this.#rest = "";
    return rest;
  }
}
