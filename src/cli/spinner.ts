const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line spinner on stderr while waiting on the model; silent when stderr is not a terminal. */
export class Spinner {
  #timer: NodeJS.Timeout | null = null;
  #frame = 0;
  readonly #stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  start(label: string): void {
    if (!this.#stream.isTTY || this.#timer) return;
    this.#timer = setInterval(() => {
      this.#frame = (this.#frame + 1) % FRAMES.length;
      this.#stream.write(`\r${FRAMES[this.#frame]} ${label}`);
    }, 80);
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#stream.write('\r\x1b[K');
  }
}
