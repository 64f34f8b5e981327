/** How a node stops a prompt early; run-prompt turns these into ComfyUI's messages. */

/** A node raised: becomes `execution_error`. */
export class NodeFailure extends Error {
  constructor(
    readonly nodeId: string,
    readonly exceptionType: string,
    readonly exceptionMessage: string,
  ) {
    super(exceptionMessage);
  }
}

/** The interrupt flag was seen at a node start or a progress call: `execution_interrupted`. */
export class Interrupted extends Error {
  constructor(readonly nodeId: string) {
    super('Processing interrupted');
  }
}
