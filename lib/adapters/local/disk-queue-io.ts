import fs from 'node:fs';

/** The file operations of durable writes; tests inject failures (a full disk) through it. */
export interface DurableFs {
  /** 'w' creates or truncates; 'a' appends (the receive log). */
  open(path: string, flags: 'w' | 'a'): Promise<DurableHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, opts: { force: true }): Promise<void>;
  /** fsync of a directory (syncDirectory when absent); tests count or fail it. */
  syncDir?(path: string): Promise<void>;
}

export interface DurableHandle {
  writeFile(data: string | Uint8Array): Promise<void>;
  /** All the parts, one after the other, in one system call where it can (writev); writeFile per part without it. */
  writev?(parts: readonly Uint8Array[]): Promise<unknown>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

const cb =
  <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (err: Error | null, v?: T): void =>
    err ? reject(err) : resolve(v as T);

/**
 * DurableFs on Node's callback API: the same system calls as fs/promises' FileHandle, with less work on the
 * calling thread per call (no FileHandle object, no close tracking); measured ~30% less main-thread CPU per
 * durable write of a 100 KB message (bench/RESULTS.md, "Issue 14, part 4", s21-queue).
 */
export const nodeDurableFs: DurableFs = {
  open: (file, flags) =>
    new Promise((resolve, reject) =>
      fs.open(file, flags, 0o644, (err, fd) => {
        if (err) return reject(err);
        resolve({
          // fs.writeFile on a descriptor writes at its position (the end, for 'a') and loops over short writes.
          writeFile: (data) => new Promise((res, rej) => fs.writeFile(fd, data, cb(res, rej))),
          // libuv's write loops over short writes and over more parts than IOV_MAX.
          writev: (parts) => new Promise((res, rej) => fs.writev(fd, parts as Uint8Array[], (err) => (err ? rej(err) : res(undefined)))),
          sync: () => new Promise((res, rej) => fs.fsync(fd, cb(res, rej))),
          close: () => new Promise((res, rej) => fs.close(fd, cb(res, rej))),
        });
      }),
    ),
  rename: (from, to) => new Promise((resolve, reject) => fs.rename(from, to, cb(resolve, reject))),
  rm: (file, opts) => new Promise((resolve, reject) => fs.rm(file, opts, cb(resolve, reject))),
};

/**
 * Writes to tmp, fsyncs, renames into place: the file is either whole or absent after a crash. When any
 * step fails (ENOSPC, EROFS, EIO) the partial tmp file is removed before the error is rethrown, so a full
 * disk leaves nothing behind to fill it further.
 */
export async function writeDurably(tmp: string, dest: string, data: string | Uint8Array | readonly (string | Uint8Array)[], io: DurableFs = nodeDurableFs): Promise<void> {
  await writeSynced(tmp, data, io);
  try {
    await io.rename(tmp, dest);
  } catch (err) {
    await io.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * The first half of writeDurably: tmp written and fsynced, or removed and the error rethrown. An array is
 * written part after part (a header and bodies without copying them into one buffer), in one writev when the
 * handle has it.
 */
export async function writeSynced(tmp: string, data: string | Uint8Array | readonly (string | Uint8Array)[], io: DurableFs = nodeDurableFs): Promise<void> {
  try {
    const fh = await io.open(tmp, 'w');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else if (fh.writev) await fh.writev(data.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
      else for (const part of data) await fh.writeFile(part);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await io.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * fsync of a directory: makes the names created in it (a rename into it) survive a machine crash. Without it
 * a renamed file reaches the disk with the file system's next journal commit (up to 5 s on ext4), and a power
 * loss before that leaves the file under its old name.
 */
export function syncDirectory(dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.open(dir, 'r', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    }),
  );
}

/** `rm --force` for one file, in one syscall (fs.rm stats first). */
export function unlinkIfThere(file: string): Promise<void> {
  return new Promise((resolve, reject) => fs.unlink(file, (err) => (err && err.code !== 'ENOENT' ? reject(err) : resolve())));
}

export function renameFile(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => fs.rename(from, to, cb(resolve, reject)));
}

export function readWholeFile(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => fs.readFile(file, cb(resolve, reject)));
}

/** The first `bytes` of a file (fewer when it is shorter): a commit file's header line at open. */
export async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
