// 0xRRGGBB and an alpha as a CSS colour, for canvas 2D drawing (textures, the backdrop).

export function rgba(rgb, a) {
  return `rgba(${(rgb >> 16) & 255},${(rgb >> 8) & 255},${rgb & 255},${a})`;
}
