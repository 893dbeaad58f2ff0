"""The chapters' experiments: what a chapter measures with the library's models (memory by chunks,
representations, unsupervised pretraining, the DCGAN guidelines check), and the long runs whose results the
chapters read as recordings (`python -m autoaegan.recordings make NAME`: gan_fixes, gan_sweep, progressive_ablation,
diffusion_sampling), and the shipped generators with their default samplers (`shipped_generators`)."""
