export { allEnded, type DetectionSettings, finishSlot } from './check.js'
export { installDetection, uninstallDetection } from './patch.js'
