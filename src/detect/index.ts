export { type DetectionSettings, finishSlot } from './check.js'
export { installDetection } from './patch.js'
