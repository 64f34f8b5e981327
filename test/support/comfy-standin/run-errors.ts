/** How a node stops a prompt early; run-prompt turns these into ComfyUI's messages. */

/** A node raised: becomes `execution_error`. */
export class NodeFailure extends Error {
  readonly nodeId: string;
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  constructor(nodeId: string, exceptionType: string, exceptionMessage: string) {
    super(exceptionMessage);
    this.nodeId = nodeId;
    this.exceptionType = exceptionType;
    this.exceptionMessage = exceptionMessage;
  }
}

/** The interrupt flag was seen at a node start or a progress call: `execution_interrupted`. */
export class Interrupted extends Error {
  readonly nodeId: string;
  constructor(nodeId: string) {
    super('Processing interrupted');
    this.nodeId = nodeId;
  }
}
