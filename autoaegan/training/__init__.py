"""Training machinery the models share, importing no model: fitting to a run profile's budget (`fitting`), model
families (`families`), and the GAN trainings' home: checkpoints on `tf.train.Checkpoint` (`checkpoints`), the
training's state (`training_state`), epoch callbacks and logging (`gan_callbacks`, `progress_log`), weight averaging
(`averaging`), compiling with a recipe (`gan_recipe`), sampling (`sampling`), quick quality figures (`quality`),
class coverage during training (`coverage_tracker`) and the work folder (`work_dir`)."""
