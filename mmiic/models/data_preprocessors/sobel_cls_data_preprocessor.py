"""mmpretrain's classification pre-processor followed by IIC's Sobel filter."""
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from mmiic.registry import MODELS
from .iic_data_preprocessor import SOBEL_MODES, sobel_filter


@MODELS.register_module()
class SobelClsDataPreprocessor(ClsDataPreprocessor):
    """:class:`mmpretrain.models.ClsDataPreprocessor`, then Sobel filtering.

    For supervised training (e.g. finetuning with ``ImageClassifier``) of a
    backbone that IIC trained on Sobel gradients: batching, ``to_rgb``,
    normalisation, one-hot labels and batch augmentations (Mixup, CutMix) are
    mmpretrain's; the gradients are computed last, on the device, exactly as
    :class:`IICDataPreprocessor` does during IIC training. To feed the
    backbone the same inputs as in IIC training, use ``mean=[0, 0, 0]`` and
    ``std=[255, 255, 255]`` (IIC scales pixels to [0, 1]).

    Args:
        sobel (str): 'sobel' ([N, 2, H, W] gradients), 'sobel_rgb'
            (channels + gradients) or 'none'. Defaults to 'sobel'.
        **kwargs: :class:`ClsDataPreprocessor` arguments (``mean``, ``std``,
            ``to_rgb``, ``num_classes``, ``batch_augments`` ...).
    """

    def __init__(self, sobel: str = 'sobel', **kwargs) -> None:
        if sobel not in SOBEL_MODES:
            raise ValueError(f'sobel must be one of {SOBEL_MODES}, got {sobel!r}')
        super().__init__(**kwargs)
        self.sobel = sobel

    def forward(self, data: dict, training: bool = False) -> dict:
        """[B, C, H, W] images -> mmpretrain's pre-processing -> [B, 2 (+C), H, W]."""
        data = super().forward(data, training)
        if self.sobel != 'none':
            data['inputs'] = sobel_filter(data['inputs'], keep_rgb=self.sobel == 'sobel_rgb')
        return data
