"""ipywidgets 8 controls of the course, one explorer per module, with what they share: `png` (the images),
`snapshot` (a still picture for pages without a kernel), `decoding` (codings through a decoder) and
`style_images` (a StyleGAN's images); `kernel_free` holds the plotly explorers that need no kernel."""
