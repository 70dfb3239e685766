//! The C API driven as a C caller could: model bytes (golden or arbitrary), then a sequence of
//! calls whose pointers are NULL, misaligned, overlapping another argument or real buffers
//! (allocated to exactly their length, so AddressSanitizer sees any access outside them), and
//! whose lengths are anything up to the buffer's. Every call must return a status, agree with
//! the Rust core when it succeeds, and leave its outputs alone when it fails.
#![no_main]

use dl2pa::{
    DL2PA_MODEL_WORDS, Model, ModelInfo, PredictionF32, PredictionI32, Status, dl2pa_assign_solve,
    dl2pa_classify_f32, dl2pa_classify_i8, dl2pa_classify_raw, dl2pa_embed_raw,
    dl2pa_model_get_info, dl2pa_model_get_sigma, dl2pa_model_parse, dl2pa_scores_i8,
    dl2pa_top_k_i8,
};
use dl2pa_core::Classify;
use libfuzzer_sys::fuzz_target;

static MODELS: [&[u8]; 3] = [
    include_bytes!("../../tests/golden/model.dl2p"),
    include_bytes!("../../tests/golden/mlp.dl2p"),
    include_bytes!("../../tests/golden/cnn.dl2p"),
];

/// Reads the fuzz input as a stream of choices (zeros once it runs out).
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }

    /// A length for a buffer that should hold `need`: 0, one short, exact, or the capacity.
    fn len(&mut self, need: usize, cap: usize) -> usize {
        match self.byte() % 4 {
            0 => 0,
            1 => need.saturating_sub(1),
            2 => need,
            _ => cap,
        }
        .min(cap)
    }
}

/// How a pointer argument is passed.
#[derive(Clone, Copy)]
enum Ptr {
    Real,
    Null,
    /// One byte past an aligned start: must be refused for types wider than a byte (byte
    /// buffers get their real pointer).
    Misaligned,
}

fn ptr_kind(c: &mut Choices) -> Ptr {
    match c.byte() % 8 {
        0 => Ptr::Null,
        1 => Ptr::Misaligned,
        _ => Ptr::Real,
    }
}

fn mut_ptr<T>(v: &mut [T], kind: Ptr) -> *mut T {
    match kind {
        // A byte buffer cannot be misaligned: one byte in, it would be a buffer one byte short
        // that claims the full length (a caller's lie no API can detect).
        Ptr::Real | Ptr::Misaligned if std::mem::align_of::<T>() == 1 => v.as_mut_ptr(),
        Ptr::Real => v.as_mut_ptr(),
        Ptr::Null => std::ptr::null_mut(),
        Ptr::Misaligned => v.as_mut_ptr().cast::<u8>().wrapping_add(1).cast(),
    }
}

fn const_ptr<T>(v: &[T], kind: Ptr) -> *const T {
    mut_ptr(unsafe { std::slice::from_raw_parts_mut(v.as_ptr() as *mut T, v.len()) }, kind)
}

fuzz_target!(|data: &[u8]| {
    let mut c = Choices(data);
    let pick = c.byte();
    let bytes: Vec<u8> = match pick % 4 {
        3 => c.0.to_vec(),
        k => {
            let mut b = MODELS[k as usize].to_vec();
            // Sometimes cut it short: the parser must refuse, never read past the length.
            if pick & 0x80 != 0 {
                b.truncate(usize::from(c.byte()) * b.len() / 256);
            }
            b
        }
    };
    let mut model: Box<Model> = Box::new(unsafe { std::mem::zeroed() });
    let kind = ptr_kind(&mut c);
    let st = unsafe { dl2pa_model_parse(const_ptr(&bytes, kind), bytes.len(), &mut *model) };
    let core = dl2pa_core::format::Model::from_bytes(&bytes);
    match kind {
        Ptr::Null => assert_eq!(st, Status::NullPointer),
        _ => assert_eq!(st == Status::Ok, core.is_ok(), "parse agrees with the core"),
    }
    let mut info = ModelInfo::default();
    let ist = unsafe { dl2pa_model_get_info(&*model, &mut info) };
    let Ok(core) = core else {
        assert_eq!(ist, Status::BadHandle);
        return;
    };
    if st != Status::Ok {
        return;
    }
    assert_eq!(ist, Status::Ok);
    assert_eq!((info.classes as usize, info.dim as usize), (core.classes(), core.dim()));
    assert!(std::mem::size_of::<Model>() == DL2PA_MODEL_WORDS * std::mem::size_of::<usize>());
    for _ in 0..8 {
        call(&mut c, &model, &info, &core);
    }
    let _ = solve(&mut c);
});

/// One call of a classification function with fuzzed arguments.
fn call(c: &mut Choices, model: &Model, info: &ModelInfo, core: &dl2pa_core::format::ModelRef) {
    let (d, k) = (info.dim as usize, info.classes as usize);
    let n = if info.inputs > 0 { info.inputs as usize } else { d };
    let cap = n + usize::from(c.byte() % 4);
    let x: Vec<f32> = (0..cap).map(|_| f32::from(c.byte() as i8) / 16.0).collect();
    let xi: Vec<i8> = x.iter().map(|&v| (v * 16.0) as i8).collect();
    let (xk, len) = (ptr_kind(c), c.len(n, cap));
    let mut scratch = vec![0i8; c.len(info.arena_bytes.max(d), info.arena_bytes.max(d) + 2)];
    let sk = ptr_kind(c);
    let overlap = c.byte() % 8 == 0;
    match c.byte() % 6 {
        0 => {
            let mut out = PredictionI32 { class_index: 7, score: 7 };
            let st = unsafe { dl2pa_classify_i8(model, const_ptr(&xi, xk), len, &mut out) };
            let want = core.int8().map(|p| p.classify(&xi[..len]));
            match (st, want) {
                (Status::Ok, Some(Ok(p))) => assert_eq!(out.class_index as usize, p.class),
                (Status::Ok, _) => panic!("the C API classified what the core refused"),
                _ => assert_eq!(out, PredictionI32 { class_index: 7, score: 7 }),
            }
        }
        1 => {
            let mut out = PredictionF32 { class_index: 7, score: 7.0 };
            let sp = mut_ptr(&mut scratch, sk);
            let sp = if overlap { const_ptr(&x, Ptr::Real) as *mut i8 } else { sp };
            let st = unsafe { dl2pa_classify_f32(model, const_ptr(&x, xk), len, sp, scratch.len(), &mut out) };
            if st != Status::Ok {
                assert_eq!(out.class_index, 7);
            }
        }
        2 => {
            let mut out = PredictionI32 { class_index: 7, score: 7 };
            let ap = if overlap { const_ptr(&x, Ptr::Real) as *mut i8 } else { mut_ptr(&mut scratch, sk) };
            let alen = if overlap { scratch.len().min(4 * x.len()) } else { scratch.len() };
            let st = unsafe { dl2pa_classify_raw(model, const_ptr(&x, xk), len, ap, alen, &mut out) };
            if st == Status::Ok {
                let mut arena = vec![0i8; core.arena_bytes()];
                let p = core.classify_raw(&x[..len], &mut arena).expect("the core classifies it too");
                assert_eq!(out.class_index as usize, p.class);
            } else {
                assert_eq!(out.class_index, 7);
            }
        }
        3 => {
            let mut z = vec![0i8; c.len(d, d + 1)];
            let _ = unsafe {
                dl2pa_embed_raw(model, const_ptr(&x, xk), len, mut_ptr(&mut scratch, sk), scratch.len(), z.as_mut_ptr(), z.len())
            };
        }
        4 => {
            let mut scores = vec![0i32; c.len(k, k + 1)];
            let mut top = vec![PredictionI32::default(); c.len(3, 4)];
            let mut written = 0usize;
            let sp = mut_ptr(&mut scores, sk);
            let _ = unsafe { dl2pa_scores_i8(model, const_ptr(&xi, xk), len, sp, scores.len()) };
            let tp = if overlap { (&mut written as *mut usize).cast() } else { top.as_mut_ptr() };
            let st = unsafe { dl2pa_top_k_i8(model, const_ptr(&xi, xk), len, tp, top.len(), &mut written) };
            if st == Status::Ok {
                assert!(written <= top.len().min(k));
                assert!(top[..written].windows(2).all(|w| w[0].score >= w[1].score));
            }
        }
        _ => {
            let mut sigma = vec![0u32; c.len(k, k + 1)];
            let st = unsafe { dl2pa_model_get_sigma(model, mut_ptr(&mut sigma, sk), sigma.len()) };
            if st == Status::Ok {
                assert!((0..k).all(|i| sigma[i] == core.sigma(i)));
            }
        }
    }
}

/// The solver on a fuzzed problem and workspace; its σ must be the core's.
fn solve(c: &mut Choices) -> Status {
    let (rows, cols) = (usize::from(c.byte() % 9), usize::from(c.byte() % 9));
    let costs: Vec<f32> = (0..rows * cols).map(|_| f32::from(c.byte() % 17) / 4.0).collect();
    let mut floats = vec![0.0f32; c.len(rows + 4 * cols, rows + 4 * cols + 1)];
    let mut indices = vec![0u32; c.len(2 * rows + 3 * cols, 2 * rows + 3 * cols + 1)];
    let mut sigma = vec![u32::MAX; c.len(rows, rows + 1)];
    let (fk, max) = (ptr_kind(c), i32::from(c.byte() & 1));
    let st = unsafe {
        dl2pa_assign_solve(
            costs.as_ptr(), costs.len(), rows, cols, max,
            mut_ptr(&mut floats, fk), floats.len(), indices.as_mut_ptr(), indices.len(),
            sigma.as_mut_ptr(), sigma.len(),
        )
    };
    if st == Status::Ok {
        use dl2pa_core::assign::{Problem, Sense, Solver};
        let sense = if max == 1 { Sense::Maximize } else { Sense::Minimize };
        let p = Problem::new(&costs, rows, cols, sense).expect("valid");
        assert_eq!(&sigma[..rows], Solver::new().solve(&p).expect("solves").assignment());
    } else {
        assert!(sigma.iter().all(|&s| s == u32::MAX));
    }
    st
}
