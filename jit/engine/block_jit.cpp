// BlockJit: LLJIT, the IR for one block, and the link to kiln_step (see block_jit.h).
#include "jit/engine/block_jit.h"

#include <deque>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/MapperJITLinkMemoryManager.h>
#include <llvm/ExecutionEngine/Orc/MemoryMapper.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include "jit/translate/step_abi.h"

namespace kiln::jit {

struct BlockJit::Impl {
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  uint64_t next_id = 0;
  // The instructions compiled blocks execute and their Uops (the handler each runs), kept here
  // rather than in the blocks' modules: a block is then one code section, and JIT memory does
  // not alternate read-only data, writable data and code (each a mapping of its own, which ran
  // into the kernel's limit on mappings after ~21,800 blocks). A deque never moves its elements.
  std::deque<frontend::DecodedInsn> insns;
  std::deque<interp::Uop> uops;
};

BlockJit::BlockJit() : impl_(std::make_unique<Impl>()) {}
BlockJit::~BlockJit() = default;

namespace {
std::string ToString(llvm::Error err) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << err;
  return os.str();
}
}  // namespace

std::unique_ptr<BlockJit> BlockJit::Create(std::string& error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Code comes from large reservations (64 MiB at a time) instead of an mmap per block.
  auto lljit = llvm::orc::LLJITBuilder()
                   .setObjectLinkingLayerCreator([](llvm::orc::ExecutionSession& es, const llvm::Triple&)
                                                     -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
                     auto memory = llvm::orc::MapperJITLinkMemoryManager::CreateWithMapper<
                         llvm::orc::InProcessMemoryMapper>(size_t{64} << 20);
                     if (!memory) return memory.takeError();
                     return std::make_unique<llvm::orc::ObjectLinkingLayer>(es, std::move(*memory));
                   })
                   .create();
  if (!lljit) {
    error = "LLJIT: " + ToString(lljit.takeError());
    return nullptr;
  }
  // Blocks call the host's kiln_step: defined as an absolute symbol, so that no symbol needs to be
  // exported from the executable for the JIT to find it.
  llvm::orc::LLJIT& j = **lljit;
  llvm::orc::SymbolMap symbols;
  symbols[j.mangleAndIntern("kiln_step")] = llvm::orc::ExecutorSymbolDef(
      llvm::orc::ExecutorAddr::fromPtr(&kiln_step), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  if (auto err = j.getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    error = "LLJIT: " + ToString(std::move(err));
    return nullptr;
  }
  std::unique_ptr<BlockJit> jit(new BlockJit());
  jit->impl_->lljit = std::move(*lljit);
  return jit;
}

BlockJit::BlockFn BlockJit::Compile(uint64_t start, std::span<const frontend::DecodedInsn> insns, std::string& error) {
  auto context = std::make_unique<llvm::LLVMContext>();
  llvm::LLVMContext& ctx = *context;
  auto module = std::make_unique<llvm::Module>("kiln-block", ctx);
  module->setDataLayout(impl_->lljit->getDataLayout());
  auto* ptr = llvm::PointerType::getUnqual(ctx);
  auto* i32 = llvm::Type::getInt32Ty(ctx);
  auto* i64 = llvm::Type::getInt64Ty(ctx);
  llvm::FunctionCallee step = module->getOrInsertFunction("kiln_step", llvm::FunctionType::get(i32, {ptr, ptr, ptr, ptr}, false));

  // uint32_t block(CpuState*, GuestMemory*, Exit*, uint64_t* retired)
  const std::string name = "kiln_block_" + std::to_string(impl_->next_id++);
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(i32, {ptr, ptr, ptr, ptr}, false),
                                    llvm::GlobalValue::ExternalLinkage, name, module.get());
  llvm::Value* state = fn->getArg(0);
  llvm::Value* memory = fn->getArg(1);
  llvm::Value* exit = fn->getArg(2);
  llvm::Value* retired = fn->getArg(3);
  // No unwind tables: kiln_step does not throw, and an .eh_frame section per block would be
  // read-only data between the blocks' code.
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  uint64_t index = 0;
  uint64_t pc = start;
  for (const frontend::DecodedInsn& insn : insns) {
    // The instruction and its Uop (with the interpreter's handler for it), as addresses of
    // BlockJit's own storage.
    const frontend::DecodedInsn& kept = impl_->insns.emplace_back(insn);
    interp::Uop& uop = impl_->uops.emplace_back(interp::MakeUop(kept, pc));
    pc += kept.length;
    llvm::Value* uop_ptr = b.CreateIntToPtr(b.getInt64(reinterpret_cast<uintptr_t>(&uop)), ptr);
    llvm::Value* result = b.CreateCall(step, {state, memory, uop_ptr, exit});
    auto* next = llvm::BasicBlock::Create(ctx, "next", fn);
    auto* leave = llvm::BasicBlock::Create(ctx, "leave", fn);
    b.CreateCondBr(b.CreateICmpEQ(result, b.getInt32(0)), next, leave);
    // Leaving after instruction `index`: those before it retired, and it did unless it raised an
    // exception (Step 2), which leaves the state as it was before it.
    b.SetInsertPoint(leave);
    llvm::Value* count = b.CreateAdd(b.getInt64(index), b.CreateZExt(b.CreateICmpNE(result, b.getInt32(2)), i64));
    b.CreateStore(b.CreateAdd(b.CreateLoad(i64, retired), count), retired);
    b.CreateRet(result);
    b.SetInsertPoint(next);
    ++index;
  }
  b.CreateStore(b.CreateAdd(b.CreateLoad(i64, retired), b.getInt64(index)), retired);
  b.CreateRet(b.getInt32(0));

  if (llvm::verifyModule(*module, &llvm::errs())) {
    error = "the block's IR does not verify";
    return nullptr;
  }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // A block is a chain of calls: O1 is enough and costs little (docs/jit.md has the figures).
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O1).run(*module, mam);

  if (auto err = impl_->lljit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
    error = "addIRModule: " + ToString(std::move(err));
    return nullptr;
  }
  auto symbol = impl_->lljit->lookup(name);
  if (!symbol) {
    error = "lookup: " + ToString(symbol.takeError());
    return nullptr;
  }
  return symbol->toPtr<BlockFn>();
}

}  // namespace kiln::jit
