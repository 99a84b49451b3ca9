"""Apply a trained IIC model to new images: an image, a folder or a video.

    python tools/infer.py CONFIG CHECKPOINT INPUT --out DIR [--mapping FILE]

Segmentation models write, per image (per frame for a video):

* ``DIR/clusters/<name>.png``: cluster ids (uint8, uint16 beyond 255 clusters);
* ``DIR/overlays/<name>.png``: the cluster colours over the image, with a
  legend of the clusters present (their class names with ``--mapping``);
* ``DIR/cluster_shares.csv``: the share of each cluster in each image.

Image clustering models write ``DIR/predictions.csv`` (image, cluster,
name, then the probability of every cluster). A video also gives
``DIR/<video>_clusters.mp4``: the overlays (segmentation) or each frame framed
in its cluster's colour (clustering), at the video's frame rate divided by
``--frame-step``. ``--mapping`` takes the
cluster -> class JSON that ``tools/test.py`` writes next to its metrics (and
predicts with the sub-head that mapping was made for).
Images larger than ``--slide-size`` are predicted by mmseg's sliding window.

An image that cannot be read (corrupt, not an image, an unsupported channel
count) is skipped: the others are predicted, and the skipped ones are listed
at the end and in ``DIR/skipped.csv`` (image, error). If no image could be
read, the tool fails. Errors of the model (not of reading) stop the run.
"""
import argparse
import csv
import itertools
import json
import os
import os.path as osp
import sys
from typing import Iterator, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

import mmiic  # noqa: F401  registers modules
from mmiic.apis import init_model, is_segmentor, set_slide_inference
from mmiic.apis.inference import UnreadableImageError, predict_prepared, prepare_image
from mmiic.datasets import list_images
from mmiic.datasets.transforms import read_image
from mmiic.visualization import (cluster_palette, draw_legend, frame_in_colour,
                                 load_cluster_names, overlay_clusters, to_rgb_uint8)

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.wmv')
# What read_image raises for a file it cannot read (naming the file).
READ_ERRORS = (OSError, ValueError)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Predict clusters of new images with an IIC model')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input',
                        help='an image, a folder of images (searched recursively) or a video')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--mapping', help='cluster -> class JSON (written by tools/test.py)')
    parser.add_argument('--device', default='auto',
                        help="'auto' (CUDA if available), 'cpu', 'cuda:0'")
    parser.add_argument('--batch-size', type=int, default=32, help='images per batch (clustering)')
    parser.add_argument('--slide-size', type=int, default=512,
                        help='segmentation: images with a side above this are predicted by a '
                        'sliding window of this size (0: never)')
    parser.add_argument('--slide-stride', type=int, help='window stride (default 3/4 of the size)')
    parser.add_argument('--alpha', type=float, default=0.5, help='weight of the overlay colours')
    parser.add_argument('--frame-step', type=int, default=1, help='video: every n-th frame')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    return parser.parse_args()


def is_video(path: str) -> bool:
    return osp.isfile(path) and path.lower().endswith(VIDEO_EXTENSIONS)


def iter_inputs(path: str, frame_step: int = 1) -> Tuple[int, Iterator[Tuple[str, object]]]:
    """(count, iterator of (output name, image path or BGR frame))."""
    if osp.isdir(path):
        files = list_images(path)
        return len(files), ((osp.splitext(osp.relpath(f, path))[0], f) for f in files)
    if not osp.isfile(path):
        raise FileNotFoundError(f'input {path} not found')
    if is_video(path):
        capture = cv2.VideoCapture(path)
        if not capture.isOpened():
            raise ValueError(f'{path}: OpenCV cannot open this video')
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        stem = osp.splitext(osp.basename(path))[0]

        def frames():
            index = 0
            try:
                while True:
                    ok, frame = capture.read()
                    if not ok:
                        break
                    if index % frame_step == 0:
                        yield f'{stem}_{index:06d}', frame
                    index += 1
            finally:
                capture.release()

        return (total + frame_step - 1) // frame_step, frames()
    return 1, iter([(osp.splitext(osp.basename(path))[0], path)])


def display_image(item) -> np.ndarray:
    """An input as [H, W, 3] uint8 RGB for the overlays."""
    if isinstance(item, str):
        return to_rgb_uint8(read_image(item))
    frame = item[..., [2, 1, 0]] if item.ndim == 3 and item.shape[2] >= 3 else item
    return to_rgb_uint8(frame)


class VideoOutput:
    """The pictures of a video's frames as a video (``DIR/<video>_clusters.mp4``).

    Args:
        video (str): the input video (its name and frame rate).
        out (str): output folder.
        frame_step (int): every n-th frame was predicted.
    """

    def __init__(self, video: str, out: str, frame_step: int) -> None:
        capture = cv2.VideoCapture(video)
        fps = capture.get(cv2.CAP_PROP_FPS)
        capture.release()
        self.fps = (fps if fps > 0 else 25.0) / frame_step
        self.path = osp.join(out, osp.splitext(osp.basename(video))[0] + '_clusters.mp4')
        self.writer: Optional[cv2.VideoWriter] = None

    def write(self, picture: np.ndarray) -> None:
        """Add ``picture`` [H, W, 3] uint8 RGB (the same size for every frame)."""
        if self.writer is None:
            height, width = picture.shape[:2]
            self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                                          (width, height))
            if not self.writer.isOpened():
                raise OSError(f'OpenCV cannot write the video {self.path} (codec mp4v)')
        self.writer.write(np.ascontiguousarray(picture[..., ::-1]))

    def close(self) -> Optional[str]:
        """Finish the file; its path, or None if no frame was written."""
        if self.writer is None:
            return None
        self.writer.release()
        return self.path


def predict(model, batch: List[Tuple[str, object]], skipped: List[Tuple[str, str]]) -> list:
    """[((name, item), data sample)] for the items of ``batch`` that could be read;
    each unreadable one is added to ``skipped`` as (image, error). Errors of the
    model are no reading errors: they stop the run."""
    read, data = [], []
    for name, item in batch:
        try:
            data.append(prepare_image(model, item))
        except UnreadableImageError as error:
            skipped.append((item if isinstance(item, str) else name,
                            f'{type(error.__cause__ or error).__name__}: {error}'))
            continue
        read.append((name, item))
    return list(zip(read, predict_prepared(model, data))) if data else []


def write_segmentation(name: str, item, sample, out: str, names: List[str], palette: np.ndarray,
                       alpha: float, shares: csv.writer) -> np.ndarray:
    """Write the cluster ids, the overlay with its legend and the shares of one
    image; returns the overlay without legend ([H, W, 3] uint8 RGB)."""
    clusters = sample.pred_sem_seg.data[0].cpu().numpy()
    ids_dtype = np.uint8 if len(palette) <= 256 else np.uint16
    for sub in ('clusters', 'overlays'):
        os.makedirs(osp.dirname(osp.join(out, sub, name)) or osp.join(out, sub), exist_ok=True)
    cv2.imwrite(osp.join(out, 'clusters', name + '.png'), clusters.astype(ids_dtype))
    image = display_image(item)
    overlay = overlay_clusters(image, clusters, alpha, palette)
    present, counts = np.unique(clusters, return_counts=True)
    legend = draw_legend(palette, overlay.shape[1], names, ids=present)
    with_legend = np.concatenate([overlay, legend], axis=0)
    cv2.imwrite(osp.join(out, 'overlays', name + '.png'), with_legend[..., ::-1])
    for c, n in zip(present, counts):
        shares.writerow([name, int(c), names[c], f'{n / clusters.size:.6f}'])
    return overlay


def report_skipped(skipped: List[Tuple[str, str]], predicted: int, out: str) -> None:
    """List the images that could not be read (stderr and ``out/skipped.csv``);
    fail if none could be."""
    if not skipped:
        return
    path = osp.join(out, 'skipped.csv')
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'error'])
        writer.writerows(skipped)
    lines = '\n'.join(f'  {image}: {error}' for image, error in skipped)
    print(f'skipped {len(skipped)} image(s) that could not be read (also in {path}):\n{lines}',
          file=sys.stderr)
    if predicted == 0:
        raise ValueError(f'none of the {len(skipped)} input image(s) could be read; the first: '
                         f'{skipped[0][0]}: {skipped[0][1]}')


def main() -> None:
    args = parse_args()
    count, items = iter_inputs(args.input, args.frame_step)
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    segmentation = is_segmentor(model)
    head = model.decode_head.test_head if segmentation else 'main'
    k = model.cluster_heads.num_clusters[head]
    names = [f'cluster {c}' for c in range(k)]
    if args.mapping:
        with open(args.mapping) as f:
            mapping = json.load(f)
        # A mapping names the clusters of one head; another head's ids mean other things.
        mapped_head = mapping.get('head', 'main') if isinstance(mapping, dict) else 'main'
        if mapped_head != head:
            raise ValueError(f'{args.mapping} maps the clusters of head {mapped_head!r}, but '
                             f'the model predicts with head {head!r}: set '
                             f'model.decode_head.test_head={mapped_head} with --cfg-options, or '
                             'use the mapping tools/test.py wrote for this head')
        names = load_cluster_names(args.mapping, k)
        # The names belong to the sub-head the evaluation matched (it may differ from the
        # checkpoint's when tools/test.py chose again on its own data).
        subhead = mapping.get('subhead')
        if subhead is not None and subhead != model.cluster_heads.test_subhead:
            print(f'predicting with sub-head {subhead}, the one {args.mapping} was made for '
                  f'(the checkpoint says {model.cluster_heads.test_subhead})')
            model.cluster_heads.test_subhead = subhead
    palette = cluster_palette(len(names))
    os.makedirs(args.out, exist_ok=True)
    video = VideoOutput(args.input, args.out, args.frame_step) if is_video(args.input) else None
    progress = ProgressBar(count)
    skipped: List[Tuple[str, str]] = []
    predicted = 0
    if segmentation:
        whole_cfg = model.test_cfg
        with open(osp.join(args.out, 'cluster_shares.csv'), 'w', newline='') as f:
            shares = csv.writer(f)
            shares.writerow(['image', 'cluster', 'name', 'share'])
            for name, item in items:
                try:
                    shape = (read_image(item) if isinstance(item, str) else item).shape[:2]
                except READ_ERRORS as error:
                    skipped.append((item, f'{type(error).__name__}: {error}'))
                    progress.update()
                    continue
                if args.slide_size and max(shape) > args.slide_size:
                    set_slide_inference(model, args.slide_size, args.slide_stride)
                else:
                    model.test_cfg = whole_cfg
                for _, sample in predict(model, [(name, item)], skipped):
                    overlay = write_segmentation(name, item, sample, args.out, names, palette,
                                                 args.alpha, shares)
                    if video is not None:
                        video.write(overlay)
                    predicted += 1
                progress.update()
    else:
        with open(osp.join(args.out, 'predictions.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'cluster', 'name'] + [f'prob_{c}' for c in range(k)])
            while True:
                batch = list(itertools.islice(items, args.batch_size))
                if not batch:
                    break
                for (name, item), sample in predict(model, batch, skipped):
                    cluster = int(sample.pred_label[0])
                    probs = sample.pred_score.cpu().numpy()
                    writer.writerow([name, cluster, names[cluster]] + [f'{p:.6f}' for p in probs])
                    if video is not None:
                        video.write(frame_in_colour(display_image(item), palette[cluster],
                                                    names[cluster]))
                    predicted += 1
                progress.update(len(batch))
    video_path = video.close() if video is not None else None
    print(f'\nwrote the predictions of {predicted} image(s) to {args.out}'
          + (f' (video: {video_path})' if video_path else ''))
    report_skipped(skipped, predicted, args.out)


if __name__ == '__main__':
    main()
