// Spare sandboxes (sandbox/) stamp their directories too: the stamp lives below both.
export { isOwnerAlive, type OwnerStamp, readOwner, stampOwner } from '../sandbox/process-owner.ts';
