"""The chapters' experiments: what a chapter measures with the library's models (memory by chunks,
representations, unsupervised pretraining, the DCGAN guidelines check), and the long runs whose results the
chapters read as recordings (`python -m autoaegan.recordings make gan_fixes|gan_sweep|progressive_ablation`)."""
