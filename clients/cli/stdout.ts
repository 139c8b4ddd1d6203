/** `qomd-qom tree | head`: a reader that goes away ends the tool quietly, as with any Unix filter. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
