// A stream a test's logger writes to, handing each chunk of text to the test.
import { Writable } from 'node:stream';

export function textSink(onText: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      onText(chunk.toString('utf8'));
      done();
    },
  });
}
