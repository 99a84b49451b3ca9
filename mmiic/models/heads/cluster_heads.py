"""Main and overclustering heads with sub-heads, shared by classifier and segmentor."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmiic.registry import MODELS

HEAD_NAMES = ('main', 'overcluster')


class SubHeads(nn.Module):
    """``num_subheads`` independent linear cluster predictors with softmax.

    Args:
        in_channels (int): feature channels C.
        num_clusters (int): k.
        num_subheads (int): h.
        dense (bool): 1x1 convolutions on [N, C, H, W] maps (segmentation)
            instead of linear layers on [N, C] vectors (clustering).
    """

    def __init__(self, in_channels: int, num_clusters: int, num_subheads: int, dense: bool) -> None:
        super().__init__()
        if num_subheads < 1:
            raise ValueError(f'num_subheads must be >= 1, got {num_subheads}')
        self.num_clusters = num_clusters
        make = (lambda: nn.Conv2d(in_channels, num_clusters, 1)) if dense else (
            lambda: nn.Linear(in_channels, num_clusters))
        self.predictors = nn.ModuleList(make() for _ in range(num_subheads))

    def forward(self, feats: Tensor) -> Tensor:
        """[N, C] or [N, C, H, W] -> [h, N, k] or [h, N, k, H, W] probabilities."""
        return torch.stack([p(feats).softmax(dim=1) for p in self.predictors])


@MODELS.register_module()
class ClusterHeads(nn.Module):
    """A main head (k = classes) and an optional overclustering head.

    Only the *active* head is trained at a time; the head-alternating train
    loops (:class:`HeadAlternatingEpochBasedTrainLoop`, per iteration block
    :class:`HeadAlternatingIterBasedTrainLoop`) switch it. Each head has ``num_subheads`` sub-heads
    whose losses are averaged into ``loss_<head>`` and logged one by one as
    ``<head>_subhead<i>``.

    Args:
        in_channels (int): feature channels.
        num_classes (int): clusters of the main head (>= 2).
        num_overclusters (int, optional): clusters of the overclustering
            head; None for no such head. Must exceed ``num_classes``.
        num_subheads (int): sub-heads per head. Defaults to 5.
        loss (dict): IICLoss config of the main head.
        overcluster_loss (dict, optional): IICLoss config of the
            overclustering head; defaults to ``loss``.
        dense (bool): per-pixel predictors (1x1 conv). Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 num_overclusters: Optional[int] = None,
                 num_subheads: int = 5,
                 loss: dict = dict(type='mmiic.IICLoss'),
                 overcluster_loss: Optional[dict] = None,
                 dense: bool = False) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        if num_overclusters is not None and num_overclusters <= num_classes:
            raise ValueError(f'num_overclusters ({num_overclusters}) must exceed '
                             f'num_classes ({num_classes})')
        self.num_clusters = {'main': num_classes}
        losses = {'main': loss}
        if num_overclusters is not None:
            self.num_clusters['overcluster'] = num_overclusters
            losses['overcluster'] = overcluster_loss or loss
        self.heads = nn.ModuleDict({
            name: SubHeads(in_channels, k, num_subheads, dense)
            for name, k in self.num_clusters.items()
        })
        self.losses = nn.ModuleDict({name: MODELS.build(cfg) for name, cfg in losses.items()})
        self.num_subheads = num_subheads
        self.active_head = 'main'
        # The predicting sub-head is part of the model's state (state_dict key
        # ``<prefix>test_subhead_index``), so that every consumer of the weights
        # (mmpretrain's and mmseg's inferencers, exported weights) predicts with it.
        self.register_buffer('test_subhead_index', torch.zeros((), dtype=torch.int64))
        self.test_subhead = 0

    @property
    def test_subhead(self) -> int:
        """The sub-head that predicts (``pred_label``, ``pred_sem_seg``).

        The evaluation metric picks it without labels (lowest IIC loss);
        :class:`ChosenSubheadHook` sets it here. It is mirrored in the buffer
        ``test_subhead_index`` and so saved and loaded with the weights.
        """
        return self._test_subhead

    @test_subhead.setter
    def test_subhead(self, index: int) -> None:
        if not 0 <= int(index) < self.num_subheads:
            raise ValueError(f'test_subhead must lie in [0, {self.num_subheads}), got {index}')
        self._test_subhead = int(index)
        self.test_subhead_index.fill_(self._test_subhead)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        index = int(self.test_subhead_index)
        if not 0 <= index < self.num_subheads:
            raise ValueError(f'{prefix}test_subhead_index is {index}, but this model has '
                             f'{self.num_subheads} sub-heads')
        self._test_subhead = index

    @property
    def head_names(self) -> List[str]:
        return list(self.heads.keys())

    def set_active_head(self, name: str) -> None:
        """Train ``name`` ('main' or 'overcluster') from now on."""
        if name not in self.heads:
            raise ValueError(f'unknown head {name!r}; this model has {self.head_names}')
        self.active_head = name

    def forward(self, feats: Tensor, heads: Optional[Sequence[str]] = None) -> Dict[str, Tensor]:
        """Probabilities of the given heads (default: all).

        Returns:
            dict: head name -> [h, N, k] (or [h, N, k, H, W]) probabilities.
        """
        return {name: self.heads[name](feats) for name in (heads or self.head_names)}

    def loss(self,
             probs: Tensor,
             probs_t: Tensor,
             mask: Optional[Tensor] = None,
             mask_t: Optional[Tensor] = None,
             head: Optional[str] = None) -> Dict[str, Tensor]:
        """IIC losses of one head's sub-heads.

        Args:
            probs (Tensor): [h, N, k(, H, W)] first-view probabilities.
            probs_t (Tensor): same shape, paired views (aligned if dense).
            mask, mask_t (Tensor, optional): [N, H, W] pixel validity.
            head (str, optional): defaults to the active head.

        Returns:
            dict: ``loss_<head>`` (mean over sub-heads, trained) and the
            detached ``<head>_subhead<i>`` values.
        """
        head = head or self.active_head
        # One call scores all sub-heads (the dense loss shares masks and pair counts).
        per_subhead = self.losses[head](probs, probs_t, mask, mask_t)  # [h]
        out = {f'loss_{head}': per_subhead.mean()}
        out.update({f'{head}_subhead{i}': v.detach() for i, v in enumerate(per_subhead)})
        return out
