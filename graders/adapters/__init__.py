"""Adapters that plug graders into the RL training loops and serving setups people already run.

Each module is exact about one consumer's contract and imports that consumer's packages lazily:

- :mod:`graders.adapters.trl`: reward functions for TRL's ``GRPOTrainer`` and ``RLOOTrainer``;
- :mod:`graders.adapters.verl`: ``compute_score`` for verl's ``custom_reward_function``;
- :mod:`graders.adapters.openrlhf`: ``reward_func`` for OpenRLHF's file mode;
- :mod:`graders.adapters.server`: the HTTP reward server behind ``graders serve``;
- :mod:`graders.adapters.ray`: batches spread over a Ray cluster;
- :mod:`graders.adapters.train`: the thin TRL GRPO entry behind ``graders train``.
"""
