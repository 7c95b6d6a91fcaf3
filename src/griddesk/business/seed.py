"""The catalogue migration 0002 seeds (realistic content from the service code: rules W-3, H-6,
T-1..T-3, F-2, P-2). Kept here, frozen: the migration copies it, `reference_names` marks every line
for translation, and tests check each line has English."""

ITEMS = [
    {
        "code": "lv-resident", "name": "居民低压新装", "sort": 10, "application_kind": "resident",
        "needs_account": False, "needs_capacity": False, "rules": "W-3,H-6,T-3",
        "summary": "城乡居民住宅新装220伏/380伏用电。",
        "documents": "用电人有效身份证明（居民身份证、户口簿或护照）\n"
                     "房屋产权证明或其他证明文书（不动产权证、购房合同，或租赁协议及产权人同意书）\n"
                     "委托他人办理的，提供授权委托书及经办人身份证明",
        "steps": "提交申请（网站、95598热线或营业厅）\n现场勘查，确定供电方案\n装表接电",
        "fees": "居民低压新装不收取业务费用\n计量装置及表前线路由供电企业投资建设",
        "deadlines": "受理申请后5个工作日内装表接电（规则 T-3）",
        "instructions": "联系电话用于预约现场勘查和通知装表时间，请填写本人常用手机\n"
                        "用电地址请写到门牌号，农村地区写到村、组\n"
                        "资料可上传照片或扫描件（JPEG、PNG、PDF），也可在现场勘查时提供",
    },
    {
        "code": "lv-nonresident", "name": "低压非居民新装", "sort": 20, "application_kind": "lv_nonresident",
        "needs_account": False, "needs_capacity": True, "rules": "W-3,H-6,F-2,T-1,T-2,T-3",
        "summary": "商铺、小微企业等低压非居民用电新装。",
        "documents": "营业执照或其他主体资格证明\n法定代表人（负责人）有效身份证明\n"
                     "房屋产权证明或租赁协议\n主要用电设备清单（名称、台数、容量）\n"
                     "委托他人办理的，提供授权委托书及经办人身份证明",
        "steps": "提交申请\n答复供电方案\n客户报送设计文件，供电企业审查\n竣工检验\n签订供用电合同\n装表接电",
        "fees": "低压非居民新装不收取业务费用\n受电工程的设计、施工和设备由客户自主选择，供电企业不指定（规则 F-2）",
        "deadlines": "受理申请后10天内答复供电方案（规则 T-1）\n收到设计文件后10天内答复审查意见（规则 T-2）\n"
                     "竣工检验合格并签订合同后5个工作日内送电（规则 T-3）",
        "instructions": "申请容量以千伏安（kVA）填写，可按用电设备容量之和估算\n"
                        "单位名称须与营业执照一致\n资料可上传照片或扫描件（JPEG、PNG、PDF）",
    },
    {
        "code": "capacity-increase", "name": "增容", "sort": 30, "application_kind": "",
        "needs_account": True, "needs_capacity": True, "rules": "W-3,H-6,T-1,T-2,T-3",
        "summary": "已有用电户增加用电容量。",
        "documents": "用电户号及户主有效身份证明（单位提供营业执照）\n增加的用电设备清单（名称、台数、容量）\n"
                     "委托他人办理的，提供授权委托书及经办人身份证明",
        "steps": "提交申请\n答复供电方案\n客户报送设计文件，供电企业审查\n竣工检验\n签订供用电合同\n装表接电",
        "fees": "按省物价主管部门核定的标准收费，没有核定标准的项目不收费（规则 P-2）",
        "deadlines": "受理申请后按供电类别答复供电方案：低压10天、高压单电源1个月、高压双电源2个月（规则 T-1）",
        "instructions": "户号见电费通知单或缴费凭证，联系电话须与用电档案一致\n申请容量填写增容后的总容量（kVA）",
    },
    {
        "code": "change-of-use", "name": "改类", "sort": 40, "application_kind": "",
        "needs_account": True, "needs_capacity": False, "rules": "W-3,H-6,T-1",
        "summary": "变更用电类别（如居民生活改为经营用电）。",
        "documents": "用电户号及户主有效身份证明（单位提供营业执照）\n变更用电类别的说明（用途、设备）\n"
                     "委托他人办理的，提供授权委托书及经办人身份证明",
        "steps": "提交申请\n现场核查\n答复变更方案\n变更计量、电价，签订或变更供用电合同",
        "fees": "改类不收取业务费用，变更后按新的用电类别执行电价",
        "deadlines": "受理申请后按供电类别答复方案：低压10天（规则 T-1）",
        "instructions": "户号见电费通知单或缴费凭证，联系电话须与用电档案一致\n请在说明中写明变更后的用途",
    },
]

TEXT_FIELDS = ("name", "summary", "documents", "steps", "fees", "deadlines", "instructions")


def seeded_lines():
    """Every line of seeded text the pages show (each translated on its own)."""
    return [line.strip() for item in ITEMS for field in TEXT_FIELDS
            for line in item[field].splitlines() if line.strip()]
