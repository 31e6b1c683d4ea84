// Annotations (and JUnit properties) the history reads besides the failure's class and phase
// (harness/suite/failure-record.ts): which board instance ran the test, and which image it
// tested. A fixture that knows them adds them; without them the board is its type and the image
// is HIL_IMAGE_VERSION's (or unknown: a run then stands for its own image).

export const BOARD_ID_ANNOTATION = 'board-id';
export const IMAGE_VERSION_ANNOTATION = 'image-version';

export type Annotation = { type: string; description?: string };

export const annotationValue = (annotations: readonly Annotation[], type: string): string | undefined => annotations.filter((a) => a.type === type && a.description).at(-1)?.description;
