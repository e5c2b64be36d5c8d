import { init as initCore } from '@cornerstonejs/core';
import {
  CrosshairsTool,
  PanTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as initTools,
} from '@cornerstonejs/tools';

let initialised = false;

/** Initialises Cornerstone3D core and tools once and registers the tools the viewer uses. */
export function initCornerstone(): void {
  if (initialised) return;
  initCore();
  initTools();
  for (const tool of [CrosshairsTool, WindowLevelTool, StackScrollTool, PanTool, ZoomTool]) {
    addTool(tool);
  }
  initialised = true;
}
