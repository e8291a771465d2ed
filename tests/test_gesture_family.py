"""The gesture family: crops cut from detection boxes (margin in pixels or a fraction, clipped,
class from an attribute or a mapping, progress and report), accuracy / per-class precision and
recall / the confusion matrix equal to a direct count, a tiny training, and the hand -> gesture
cascade over a generated video through `studio infer`, with a sentence for a missing or wrong
detector."""
from __future__ import annotations

import contextlib
import io
import json

import cv2
import numpy as np
import pytest

from core.datasets.detection_crops import parse_margin, plan_detection_crops_import
from core.errors import DataError
from core.jobs.reporter import RecordingReporter
from studio.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def studio(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _coco(tmp_path):
    """Two 100x80 images: a hand near the left edge (gesture two), a hand in the middle (palm),
    a box without a gesture, an ignore region."""
    (tmp_path / "images").mkdir()
    for i in (1, 2):
        image = np.full((80, 100, 3), 40 * i, np.uint8)
        image[:, :, 2] = np.arange(100, dtype=np.uint8)[None, :]      # a horizontal ramp: crops are checkable
        cv2.imwrite(str(tmp_path / "images" / f"{i}.png"), image)
    anns = [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 10, 20, 30], "iscrowd": 0, "attributes": {"gesture": "two"}},
        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [40, 20, 20, 20], "iscrowd": 0, "attributes": {"gesture": "palm"}},
        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [50, 50, 10, 10], "iscrowd": 0},
        {"id": 4, "image_id": 2, "category_id": 1, "bbox": [0, 0, 30, 30], "iscrowd": 1},
    ]
    doc = {"images": [{"id": i, "file_name": f"images/{i}.png", "width": 100, "height": 80} for i in (1, 2)],
           "annotations": anns, "categories": [{"id": 1, "name": "hand"}]}
    path = tmp_path / "hands.json"
    path.write_text(json.dumps(doc))
    return path


def test_margins_in_pixels_fractions_and_percentages():
    assert parse_margin("200") == 200.0 and parse_margin("0.25") == 0.25 and parse_margin("25%") == 0.25
    assert parse_margin("") == 0.0
    with pytest.raises(DataError, match="is not a number: give pixels"):
        parse_margin("wide")
    with pytest.raises(DataError, match="must be 0 or more"):
        parse_margin("-3")


def test_crops_are_cut_with_the_margin_clipped_and_named_from_the_attribute(tmp_path):
    ann = _coco(tmp_path)
    reporter = RecordingReporter()
    plan = plan_detection_crops_import(ann, margin="5", attribute="gesture", reporter=reporter)
    assert [c.name for c in plan.categories] == ["palm", "two"]
    sizes = {im.file_name: (im.width, im.height) for im in plan.images}
    # box 0: x 2..22 grown by 5 px is clipped at 0 -> 0..27; y 10..40 -> 5..45
    assert sizes == {"two/images_1_box0.png": (27, 40), "palm/images_1_box1.png": (30, 30)}
    first = cv2.imdecode(np.frombuffer(plan.images[0].data, np.uint8), cv2.IMREAD_COLOR)
    assert first.shape == (40, 27, 3) and first[0, 0, 2] == 0 and first[0, 26, 2] == 26   # the ramp from x = 0
    reasons = [i.reason for i in plan.report.of("skipped")]
    assert "Skipped 1 box(es): boxes of class hand have no 'gesture' attribute and no mapping." in reasons
    assert "Skipped 1 box(es): ignore regions are not cut." in reasons
    assert [e for e in reporter.events if e.get("event") == "progress"][-1]["stage"] == "cut crops"
    fraction = plan_detection_crops_import(ann, margin=0.5, attribute="gesture")
    assert {im.file_name: (im.width, im.height) for im in fraction.images}["palm/images_1_box1.png"] == (40, 40)


def test_the_class_attribute_left_blank_is_the_default_gesture(tmp_path):
    """The form's field shows `gesture` as its default and the CLI's help says so: a blank field or
    a missing --attribute reads that attribute (both were refused with "Say where each crop's class
    comes from")."""
    ann = _coco(tmp_path)
    for blank in (None, "", "  "):
        plan = plan_detection_crops_import(ann, margin="5", attribute=blank)
        assert [c.name for c in plan.categories] == ["palm", "two"]
    ges = tmp_path / "ges"
    assert studio("project", "new", ges, "--task", "gesture")[0] == 0
    code, out, err = studio("data", "import", ges, "--format", "detection_crops", "--source", ann, "--margin", "5")
    assert code == 0, err
    assert "2 image(s) and 2 annotation(s)" in out
    none = plan_detection_crops_import(ann, margin="5", attribute="pose")
    assert not none.images and any("--attribute NAME" in i.reason for i in none.report.of("rejected"))


def test_crops_import_through_the_cli_from_a_detection_project_with_a_mapping(tmp_path):
    ann = _coco(tmp_path)
    det, ges = tmp_path / "det", tmp_path / "ges"
    assert studio("project", "new", det, "--task", "detection")[0] == 0
    assert studio("data", "import", det, "--format", "coco", "--annotations", ann)[0] == 0
    assert studio("project", "new", ges, "--task", "gesture")[0] == 0
    code, out, err = studio("data", "import", ges, "--format", "detection_crops", "--source", det / "project.db",
                            "--margin", "0.25", "--class-map", "hand=fist")
    assert code == 0, err
    assert "3 image(s) and 3 annotation(s)" in out
    from core.project import Project, catalog

    with Project.open(ges) as project:
        assert [c.name for c in catalog.categories(project)] == ["fist"]
        records = catalog.images(project)
        assert sorted((r.width, r.height) for r in records) == [(16, 16), (27, 46), (30, 30)]   # floor/ceil of the grown box, clipped at x 0
        assert {a[0].source for a in catalog.annotations(project, [r.id for r in records]).values()} == {"image_label"}
    code, _, err = studio("data", "import", ges, "--format", "detection_crops", "--source", ann, "--margin", "wide")
    assert code == 2 and "The margin 'wide' is not a number" in err


def test_a_detection_project_is_a_source_by_its_folder_too(tmp_path):
    """The source's help and the planner take a project's folder or its project.db; the form's and
    the CLI's path check refused the folder ("does not exist (it is a folder)")."""
    ann = _coco(tmp_path)
    det, ges = tmp_path / "det", tmp_path / "ges"
    assert studio("project", "new", det, "--task", "detection")[0] == 0
    assert studio("data", "import", det, "--format", "coco", "--annotations", ann)[0] == 0
    assert studio("project", "new", ges, "--task", "gesture")[0] == 0
    code, out, err = studio("data", "import", ges, "--format", "detection_crops", "--source", det, "--margin", "5")
    assert code == 0, err
    assert "2 image(s) and 2 annotation(s)" in out
    code, _, err = studio("data", "import", ges, "--format", "detection_crops", "--source", tmp_path / "images")
    assert code == 2 and "is a folder but not a Studio project (it has no project.db)" in err
    code, _, err = studio("data", "import", ges, "--format", "detection_crops", "--source", tmp_path / "nowhere")
    assert code == 2 and "does not exist" in err


def test_metrics_equal_a_direct_count(tmp_path):
    from core.metrics.classification_report import classification_report, write_confusion

    names = {1: "fist", 2: "one", 3: "palm"}
    pairs = [(1, 1), (1, 2), (2, 2), (2, 2), (3, 1), (3, 3), (3, 3)]
    report = classification_report(pairs, names)
    assert report.confusion.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    m = report.metrics()
    assert m["accuracy"] == pytest.approx(5 / 7)
    assert m["precision_fist"] == pytest.approx(1 / 2) and m["recall_fist"] == pytest.approx(1 / 2)
    assert m["precision_one"] == pytest.approx(2 / 3) and m["recall_one"] == pytest.approx(1.0)
    assert m["precision_palm"] == pytest.approx(1.0) and m["recall_palm"] == pytest.approx(2 / 3)
    assert m["average_class_accuracy"] == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    csv_path, png_path = write_confusion(report, tmp_path)
    assert csv_path.read_text().splitlines()[1:] == ["fist,1,1,0", "one,0,2,0", "palm,1,0,2"]
    assert cv2.imread(str(png_path)).shape[0] > 100


@pytest.fixture(scope="module")
def cascade(tmp_path_factory):
    """A smoke-trained hand detector and a gesture classifier trained to run after it."""
    from family_smoke import smoke_project

    from core.datasets.split import split_project
    from core.datasets.synthetic_hands import import_sample_gestures
    from core.families import family_info, resolve
    from core.families.spec_lookup import default_spec_for
    from core.setup.new_project import create_empty_project
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    tmp = tmp_path_factory.mktemp("cascade")
    det_project, det_run = smoke_project(tmp, "detection", images=8, name="det")
    detector = det_project.run_dir(det_run) / "checkpoints" / "model.pt"
    project = create_empty_project(tmp / "ges", "gesture")
    import_sample_gestures(project, num_images=12, size=64, seed=0)
    split_project(project, val=0.25, seed=0)
    spec = resolve(family_info("gesture").smoke_profile)(default_spec_for("gesture", "cpu"))
    spec.model.detector, spec.model.margin = str(detector), 0.25
    create_run_from_spec(project, "g", spec)
    reporter = RecordingReporter()
    result = train_run(project, "g", reporter)
    assert result.status == "done", result
    assert any(e.get("message", "").startswith("Starting g: ResNet18 classifier on 32 px crops, after a hand detector")
               for e in reporter.events)
    return tmp, project, detector, det_project


@pytest.mark.slow
def test_a_tiny_training_evaluates_and_writes_the_confusion_matrix(cascade):
    tmp, project, *_ = cascade
    code, out, err = studio("evaluate", project.root, "--run", "g")
    assert code == 0, err
    assert "accuracy" in out
    eval_dir = project.run_dir("g") / "eval"
    pictures = list(eval_dir.rglob("confusion.png"))
    assert pictures and list(eval_dir.rglob("confusion.csv"))


@pytest.mark.slow
def test_the_cascade_over_a_generated_video_writes_every_frame(cascade):
    from core.datasets.synthetic_hands import generate_hands_video
    from core.predictions import Classification, Instances
    from core.runtime import load_runner
    from core.runtime.cascade import CascadeRunner

    tmp, project, detector, _ = cascade
    gesture = project.run_dir("g") / "checkpoints" / "model.pt"
    video = generate_hands_video(tmp / "hands.mp4", num_frames=10, size=64)
    code, out, err = studio("infer", project.root, "--artifact", gesture, "--video", video, "--out", tmp / "out.mp4",
                            "--score", "0")
    assert code == 0, err
    assert "Wrote 10 frames to" in out
    cap = cv2.VideoCapture(str(tmp / "out.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 10
    cap.release()
    frame = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    with load_runner(gesture) as runner:
        assert isinstance(runner, CascadeRunner) and runner.first.task == "detection" and runner.margin == 0.25
        pred = runner([frame])[0]
        assert isinstance(pred, Instances) and len(pred.secondary) == len(pred)
        assert all(isinstance(c, Classification) for c in pred.secondary)


@pytest.mark.slow
def test_a_missing_or_wrong_detector_is_a_sentence(cascade):
    import re

    from core.models.checkpoint import load_checkpoint, write_checkpoint

    tmp, project, *_ = cascade
    gesture = project.run_dir("g") / "checkpoints" / "model.pt"
    video = tmp / "still.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, (64, 64))
    for _ in range(2):
        writer.write(np.zeros((64, 64, 3), np.uint8))
    writer.release()
    for name, detector, sentence in (("lost", tmp / "gone.pt", "which does not exist"),
                                     ("wrong", gesture, "does not find boxes to classify; choose a detector")):
        payload = load_checkpoint(gesture)          # the same classifier, its spec naming another detector
        payload["spec"], n = re.subn(r"(?m)^(\s*detector:).*$", lambda m: f"{m.group(1)} '{detector}'", payload["spec"])
        assert n == 1
        artifact = write_checkpoint(tmp / f"{name}.pt", payload)
        code, _, err = studio("infer", project.root, "--artifact", artifact, "--video", video, "--out",
                              tmp / f"{name}.mp4")
        assert code != 0 and sentence in err, err


def test_cascade_evaluation_counts_found_named_and_both():
    from core.evaluation.cascade import CascadeScore, LabeledFrame, score_frame
    from core.predictions import Classification, Instances

    frame = LabeledFrame("f", np.zeros((50, 50, 3), np.uint8), [(0, 0, 10, 10), (20, 20, 10, 10), (40, 0, 8, 8)],
                         ["fist", "palm", "one"])
    c = lambda label: Classification.from_scores(np.eye(2)[label], [7, 8])          # noqa: E731
    pred = Instances(boxes=np.array([[0, 0, 10, 10], [21, 21, 31, 31], [0, 0, 9, 9], [40, 40, 45, 45]], np.float32),
                     labels=np.ones(4, np.int64), scores=np.array([0.9, 0.8, 0.7, 0.95], np.float32),
                     secondary=[c(0), c(0), c(1), c(1)])
    score = CascadeScore()
    score_frame(score, frame, pred, {7: "fist", 8: "palm"}, score_threshold=0.5, iou_threshold=0.5)
    # box 0 -> fist (right), box 1 (IoU 0.68) -> fist (wrong), the duplicate of box 0 and the stray box match nothing
    assert (score.truths, score.found, score.named) == (3, 2, 1)
    assert score.metrics() == pytest.approx({"detection_recall": 2 / 3, "gesture_accuracy": 1 / 2,
                                             "end_to_end_accuracy": 1 / 3})


@pytest.mark.slow
def test_the_cascade_is_evaluated_on_labeled_frames(cascade, tmp_path):
    from core.evaluation.cascade import evaluate_cascade, labeled_frames
    from core.runtime import load_runner

    _, project, _, det_project = cascade
    frames = labeled_frames(det_project, "val")
    assert frames and all(len(f.boxes) == len(f.classes) for f in frames)
    with load_runner(project.run_dir("g") / "checkpoints" / "model.pt") as runner:
        metrics = evaluate_cascade(runner, frames, score_threshold=0.0, out_dir=tmp_path)
    assert set(metrics) == {"detection_recall", "gesture_accuracy", "end_to_end_accuracy"}
    assert metrics["end_to_end_accuracy"] <= min(metrics["detection_recall"], metrics["gesture_accuracy"]) + 1e-9
    saved = json.loads((tmp_path / "cascade.json").read_text())
    assert saved["truths"] == sum(len(f.boxes) for f in frames) and saved["metrics"] == metrics


def test_a_gesture_project_round_trips_through_image_folders(tmp_path):
    from core.datasets.synthetic_hands import import_sample_gestures
    from core.project import Project, catalog
    from core.setup.new_project import create_empty_project

    with create_empty_project(tmp_path / "a", "gesture") as project:
        import_sample_gestures(project, num_images=4, size=64, seed=2)
        before = sorted(_class_sizes(project).items())
    code, out, err = studio("data", "export", tmp_path / "a", tmp_path / "folders")    # the family's default
    assert code == 0, err
    assert "re-import it with --format image_folders" in out
    assert studio("project", "new", tmp_path / "b", "--task", "gesture")[0] == 0
    code, out, err = studio("data", "import", tmp_path / "b", "--format", "image_folders", "--images",
                            tmp_path / "folders")
    assert code == 0, err
    with Project.open(tmp_path / "b") as project:
        assert sorted(_class_sizes(project).items()) == before
        assert sum(n for _, n in before) == len(catalog.images(project))


def _class_sizes(project):
    from collections import Counter

    from core.project import catalog

    cats = {c.id: c for c in catalog.categories(project)}
    anns = catalog.annotations(project)
    counts = Counter(a[0].category_id for a in anns.values() if a)
    return {cats[k].name: v for k, v in counts.items()}


def test_a_torchvision_resnet_file_loads_under_the_classifier_and_the_graph_normalizes_once(tmp_path):
    import torch
    from torchvision.models import resnet18

    from core.families import get_family, resolve, family_info
    from core.families.spec_lookup import default_spec_for
    from core.models.weights import transfer_weights
    from core.project.catalog import Category

    family = get_family("gesture")
    torch.manual_seed(1)
    net = resnet18(weights=None)
    path = tmp_path / "resnet18-f37072fd.pth"
    torch.save(net.state_dict(), path)
    spec = resolve(family_info("gesture").smoke_profile)(default_spec_for("gesture", "cpu"))
    cats = [Category(1, "fist"), Category(2, "palm")]
    model, report, _ = transfer_weights(family.build_model(spec, cats), family, spec, cats, path)
    assert report.kind == "backbone" and not report.skipped
    assert torch.equal(model.state_dict()["net.layer4.1.conv2.weight"], net.state_dict()["layer4.1.conv2.weight"])
    assert model.net.fc.out_features == 2                        # the 1000-class head is not ours
    model.eval()
    x = torch.rand(2, 3, 32, 32)
    scores = family.graph_module(model, spec)(x)
    normalized = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    assert torch.allclose(scores, torch.softmax(model.net(normalized), 1), atol=1e-6)


def test_class_balanced_sampling_draws_each_class_about_equally(tmp_path):
    from collections import Counter

    from core.families.gesture.family import CropDataset
    from core.project.samples import CropSample

    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    samples = [CropSample(i, 1, str(tmp_path / "a.png"), 8, 8, (0, 0, 8, 8), 1 if i < 18 else 2, "train")
               for i in range(20)]                                        # 18 of class 1, 2 of class 2

    class Root:
        @staticmethod
        def resolve(path):
            return path

    def drawn(balanced: bool) -> Counter:
        data = CropDataset(Root, samples, 8, 0.0, {1: 0, 2: 1}, train=True, flip=0.0, balanced=balanced)
        return Counter(int(data[(k % 20, 1000 + k)][1]) for k in range(400))

    plain, balanced = drawn(False), drawn(True)
    assert plain == {0: 360, 1: 40}                    # the index decides: class 1 nine times as often
    assert abs(balanced[0] - balanced[1]) < 80 and balanced[0] + balanced[1] == 400


def test_rotate90_turns_training_crops_by_each_quarter_and_leaves_evaluation_upright(tmp_path):
    from core.families.gesture.family import CropDataset
    from core.project.samples import CropSample

    image = np.zeros((8, 8, 3), np.uint8)
    image[0, 0] = 255                                   # one bright corner pixel shows the turn
    cv2.imwrite(str(tmp_path / "a.png"), image)
    samples = [CropSample(0, 1, str(tmp_path / "a.png"), 8, 8, (0, 0, 8, 8), 1, "train")]

    class Root:
        @staticmethod
        def resolve(path):
            return path

    def corners(train: bool, rotate90: bool) -> set:
        data = CropDataset(Root, samples, 8, 0.0, {1: 0}, train=train, flip=0.0, balanced=False, rotate90=rotate90)
        found = set()
        for seed in range(40):
            x = data[(0, seed)][0][0]
            found.add(tuple(int(v) for v in np.argwhere(x.numpy() > 0.5)[0]))
        return found

    assert corners(True, True) == {(0, 0), (0, 7), (7, 0), (7, 7)}      # every quarter turn is drawn
    assert corners(True, False) == {(0, 0)}
    assert corners(False, True) == {(0, 0)}                             # evaluation crops stay as they are


def test_rotation_and_random_crop_augment_training_crops_only(tmp_path):
    """data.rotation turns a training crop by a drawn angle (the same one for the same seed, so a
    resumed run sees the same crops), data.random_crop_scale cuts a window of the crop; evaluation
    crops stay as they are."""
    from core.families.gesture.augment import augment_crop, rotate
    from core.families.gesture.family import CropDataset
    from core.project.samples import CropSample

    rng = np.random.default_rng(0)
    piece = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    square = piece[:, :20].copy()
    assert np.array_equal(rotate(square, 90), np.rot90(square))          # counter-clockwise, exact
    assert np.array_equal(rotate(piece, 0), piece)
    turned = {augment_crop(piece, np.random.default_rng(s), rotation=30).tobytes() for s in range(6)}
    assert len(turned) == 6                                               # a new angle per seed
    assert np.array_equal(augment_crop(piece, np.random.default_rng(3), rotation=30),
                          augment_crop(piece, np.random.default_rng(3), rotation=30))
    for seed in range(20):
        window = augment_crop(piece, np.random.default_rng(seed), crop_scale=0.7)
        h, w = window.shape[:2]
        assert 14 <= h <= 20 and 21 <= w <= 30
        hits = [(y, x) for y in range(21 - h) for x in range(31 - w)
                if np.array_equal(piece[y:y + h, x:x + w], window)]
        assert hits, "the window is a part of the crop"

    cv2.imwrite(str(tmp_path / "a.png"), piece[..., ::-1])
    samples = [CropSample(0, 1, str(tmp_path / "a.png"), 30, 20, (0, 0, 30, 20), 1, "train")]

    class Root:
        @staticmethod
        def resolve(path):
            return path

    def inputs(train: bool) -> set:
        data = CropDataset(Root, samples, 16, 0.0, {1: 0}, train=train, flip=0.0, balanced=False, rotation=45,
                           crop_scale=0.8)
        return {data[(0, seed)][0].numpy().tobytes() for seed in range(5)}

    assert len(inputs(True)) == 5 and len(inputs(False)) == 1


@pytest.mark.slow
def test_a_gesture_run_starts_from_its_hand_detectors_backbone(cascade, tmp_path):
    """A detection run's Studio checkpoint lends its ResNet body (not its heads) to the classifier:
    the wizard's check says so, the trainer loads it, and another family still refuses it."""
    import torch

    from core.errors import CheckpointError
    from core.families import family_info, get_family, resolve
    from core.families.pretrained import check_weights, check_weights_in_subprocess
    from core.families.spec_lookup import default_spec_for
    from core.models.checkpoint import safe_load
    from core.models.weights import transfer_weights
    from core.project import catalog
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    _tmp, project, detector, _det = cascade
    info = check_weights_in_subprocess(detector, "resnet18", "gesture")
    assert info.backbone_only and info.task == "detection"
    assert "a Studio checkpoint of Object detection, resnet18" in info.describe()
    assert "Its ResNet backbone starts this model; its heads are not used." in info.describe()
    with pytest.raises(CheckpointError, match="is a Studio checkpoint of Object detection, not of Instance "
                                              "segmentation"):
        check_weights(detector, "resnet18", "instance_segmentation")
    with pytest.raises(CheckpointError, match="holds resnet18|trained with the resnet18 backbone but the backbone is "
                                              "resnet34"):
        check_weights(detector, "resnet34", "gesture")

    family = get_family("gesture")
    spec = resolve(family_info("gesture").smoke_profile)(default_spec_for("gesture", "cpu"))
    cats = catalog.categories(project)
    source = safe_load(detector)["model"]
    model, report, records = transfer_weights(family.build_model(spec, cats), family, spec, cats, detector)
    assert report.kind == "the backbone of a detection checkpoint" and not report.skipped and records == []
    body = [k for k in source if k.startswith("backbone.body.")]
    assert report.loaded == len(body) > 50
    assert torch.equal(model.state_dict()["net.layer3.0.conv1.weight"], source["backbone.body.layer3.0.conv1.weight"])
    assert model.net.fc.out_features == len(cats)           # the head is the classifier's own, left at init
    assert not any(k.startswith(("rpn.", "roi_heads.", "backbone.fpn.")) for k in report.ignored)   # never offered

    spec.model.pretrained = str(detector)
    create_run_from_spec(project, "from-detector", spec)
    reporter = RecordingReporter()
    result = train_run(project, "from-detector", reporter)
    assert result.status == "done", result
    log = "\n".join(e["message"] for e in reporter.of("log"))
    assert f"({report.kind}): {report.loaded} tensors loaded" in log
