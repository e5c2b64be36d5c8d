import { init as initCore } from '@cornerstonejs/core';
import {
  BrushTool,
  CircleScissorsTool,
  CrosshairsTool,
  LengthTool,
  PaintFillTool,
  PanTool,
  RectangleScissorsTool,
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
  for (const tool of [
    CrosshairsTool,
    WindowLevelTool,
    StackScrollTool,
    PanTool,
    ZoomTool,
    BrushTool,
    RectangleScissorsTool,
    CircleScissorsTool,
    PaintFillTool,
    LengthTool,
  ]) {
    addTool(tool);
  }
  initialised = true;
}
