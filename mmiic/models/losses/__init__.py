from .iic_loss import EPS, IICLoss, dense_iic_loss, iic_loss, mutual_information_loss
from .joint_kernels import conv2d_joints, valid_pair_counts

__all__ = [
    'EPS', 'IICLoss', 'conv2d_joints', 'dense_iic_loss', 'iic_loss', 'mutual_information_loss',
    'valid_pair_counts'
]
