/** What a chunk's synthesis leaves beside the cdktf output, for the run that merges the chunks. */

/** Where a worker leaves the error of a chunk it could not synthesize. */
export const chunkErrorFile = (dir: string) => `${dir}.error`;

/** In a chunk's output: the kit slots each mail stack's constructs declared, by stack name (JSON). */
export const REQUIRED_SLOTS_FILE = "required-slots.json";
