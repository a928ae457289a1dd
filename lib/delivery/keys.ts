/** deliver.ts's parked-data keys; the whole bucket layout is lib/queue/bucket-keys.ts. */
export { blobKey } from '../queue/bucket-keys.ts';
