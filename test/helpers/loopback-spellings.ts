// Loopback written in ways a naive check of "127.0.0.1" misses: every test of blocked destinations tries them.
export const LOOPBACK_SPELLINGS: [string][] = [
  ['http://127.1/hook'],
  ['http://2130706433/hook'],
  ['http://0x7f000001/hook'],
  ['http://[::ffff:127.0.0.1]/hook'],
];
