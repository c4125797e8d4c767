/** Stops what a launcher started, newest first, once, on a signal or a failure, then exits. */
export function createStopper(say: (line: string) => void, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
    process.exit(code);
  };
  for (const signal of signals) process.on(signal, () => void stopAll(0));
  return { stops, stopAll };
}
